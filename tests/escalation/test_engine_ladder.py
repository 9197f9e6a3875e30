"""The rule schema (escalation/ladder.py): plain data in and out, every problem named,
and one plain-English sentence per rule (issue 10 "Policies as data")."""

import pytest

from escalation.ladder import (
    LadderError,
    describe,
    ladder_from_data,
    ladder_to_data,
    rule_from_data,
    rule_to_data,
)
from tests.escalation.factories import PENALTY, TEST_LADDER, att

AMBER = {
    "id": "DS-23",
    "track": "attendance",
    "type": "set",
    "to_stage": "stage_1",
    "when": {"point": "block_end", "weeks": 6},
    "tests": [att("block", ">", 90, n=6), att("block", "<", 94, n=6)],
    "actions": [{"type": "letter", "kind": "traffic_amber"}],
    "approver": "headteacher",
}


def test_a_rule_reads_as_one_plain_english_sentence():
    assert describe(rule_from_data(AMBER)) == (
        "At the end of each 6-week block, when attendance over the block is above 90% and "
        "below 94%: move the attendance track to stage 1 and draft the amber letter for the "
        "headteacher to approve"
    )
    assert describe(rule_from_data(PENALTY)) == (
        "Each school day, when unauthorised sessions (G/N/O/U) in the last 10 school weeks "
        "(counting only sessions after the last warning or notice) are at or above 10: move "
        "the legal track to a penalty notice and propose a penalty notice (£80, or £160 for a "
        "second within 3 years; alternative action after two)"
    )


def test_every_rule_of_the_test_ladder_reads_as_a_sentence():
    for rule in ladder_from_data(TEST_LADDER):
        sentence = describe(rule)
        assert ": " in sentence and "None" not in sentence and "_" not in sentence.split(":")[1]


def test_a_ladder_goes_to_plain_data_and_back_unchanged():
    rules = ladder_from_data(TEST_LADDER + [AMBER])

    data = ladder_to_data(rules)

    assert ladder_from_data(data) == rules
    assert rule_to_data(rules[-1])["tests"][0] == {
        "metric": {"kind": "attendance_pct", "window": {"kind": "block", "n": 6}},
        "op": ">",
        "value": "90",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "stage one"}, "id must be a RULES.md id such as BS-28"),
        ({"track": "pastoral"}, "track 'pastoral' is not one of attendance"),
        ({"to_stage": "stage_9"}, "to_stage must be a stage of the attendance track"),
        ({"tests": []}, "a rule needs at least one test"),
        ({"tests": [att("block", ">", 190, n=6)]}, "a percentage must be from 0 to 100"),
        ({"tests": [att("fortnight", ">", 90)]}, "kind 'fortnight' is not one of"),
        ({"when": {"point": "block_end"}}, "block_end needs weeks"),
        ({"actions": [{"type": "letter", "kind": "stage_7"}]}, "kind 'stage_7' is not one of"),
        (
            {"actions": [{"type": "legal", "kind": "penalty_notice"}]},
            "legal actions belong to rules of the legal track",
        ),
        ({"once": "episode"}, "once: episode needs a consecutive_days test"),
        ({"colour": "amber"}, "rule has an unknown key 'colour'"),
    ],
)
def test_a_bad_rule_is_refused_with_a_message_naming_it(change, message):
    with pytest.raises(LadderError) as refused:
        ladder_from_data([{**AMBER, **change}])

    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert all(m.startswith("rule ") for m in refused.value.messages)


def test_an_id_used_twice_is_refused():
    with pytest.raises(LadderError, match="DS-23: the id is used twice"):
        ladder_from_data([AMBER, AMBER])


def test_welfare_rules_have_no_stages():
    welfare = {**AMBER, "track": "welfare", "type": "event"}
    with pytest.raises(LadderError, match="welfare rules have no stages"):
        rule_from_data(welfare)
