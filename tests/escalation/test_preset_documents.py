"""Each preset is a faithful, complete translation of its policy (DESIGN.md §7,
policies/RULES.md §1): every rule id RULES.md lists for the school is either a rule of the
preset or named, with its reason, in the preset's document as not a rule of its own; no
rule is silently dropped, none is invented under a wrong id, and every preset validates
against the rule schema (escalation/ladder.py) and reads as plain English."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from escalation import presets
from escalation.ladder import LETTER_KINDS, describe, ladder_from_data, ladder_to_data
from letters.kinds import Kind

RULES_MD = Path(settings.BASE_DIR).parent / "shared" / "policies" / "RULES.md"
DOCS = Path(presets.__file__).parent
SECTION = {
    "blue-sky": "1.1",
    "burton-hathow": "1.2",
    "dsat": "1.3",
    "banks-lane": "1.4",
    "leeds": "1.5",
}


def rules_md_ids(name: str) -> set[str]:
    """The ids of the rows of the school's table in RULES.md §1 (`| BS-25 | ...`)."""
    if not RULES_MD.exists():
        pytest.skip("../shared/policies is not beside this checkout")
    text = RULES_MD.read_text()
    start = text.index(f"### {SECTION[name]} ")
    end = text.find("\n### ", start + 1)
    section = text[start : end if end > 0 else None]
    prefix = presets.PREFIXES[name]
    return set(re.findall(rf"^\| ({prefix}-\d+) \|", section, flags=re.M))


def document(name: str) -> str:
    return (DOCS / f"{name}.md").read_text()


def not_rules(name: str) -> dict[str, str]:
    """The ids the document lists under "Not a rule of their own", with their reasons."""
    text = document(name)
    section = text[text.index("## Not a rule of their own") :]
    return dict(re.findall(r"^\| ([A-Z]{2}-\d+[a-z]?) \| (.+?) \|$", section, flags=re.M))


def mapped(name: str) -> set[str]:
    """The rule ids the document's clause table names (its second column)."""
    text = document(name)
    table = text[text.index("## Clauses and their rules") : text.index("## Not a rule")]
    return set(re.findall(r"^\|[^|]*\| ([A-Z]{2}-\w+) \|", table, flags=re.M))


@pytest.mark.parametrize("name", presets.PRESETS)
def test_every_rules_md_id_is_a_rule_or_named_out_of_scope_with_a_reason(name):
    listed = rules_md_ids(name)
    assert len(listed) >= 36, "RULES.md's table was not found"
    in_preset = {rule.id.rstrip("abcdefgh") for rule in presets.load(name)}
    out = not_rules(name)
    missing = listed - in_preset - set(out)
    assert not missing, f"{name}: RULES.md ids neither a rule nor out of scope: {sorted(missing)}"
    both = in_preset & set(out)
    assert not both, f"{name}: ids both a rule and out of scope: {sorted(both)}"
    assert all(len(reason) > 15 for reason in out.values()), "every exclusion gives a reason"


@pytest.mark.parametrize("name", presets.PRESETS)
def test_every_rule_is_a_rules_md_id_of_its_school_and_in_the_document(name):
    listed = rules_md_ids(name)
    prefix = presets.PREFIXES[name]
    for rule in presets.load(name):
        base = re.fullmatch(rf"{prefix}-(\d+)([a-z]?)", rule.id)
        assert base, f"{rule.id} is not an id of {name}"
        if base.group(1) != "0":  # X-0a...: rules RULES.md states without an id
            assert f"{prefix}-{base.group(1)}" in listed, rule.id
    assert mapped(name) == {rule.id for rule in presets.load(name)}


@pytest.mark.parametrize("name", presets.PRESETS)
def test_presets_validate_round_trip_and_read_as_sentences(name):
    rules = presets.load(name)
    assert ladder_from_data(ladder_to_data(rules)) == rules
    for rule in rules:
        sentence = describe(rule)
        assert sentence.endswith(tuple("):abcdefghijklmnopqrstuvwxyz]")), sentence
        assert len(sentence) > 40


@pytest.mark.parametrize("name", presets.PRESETS)
def test_letters_the_presets_draft_are_kinds_letters_can_render(name):
    kinds = {a.kind for rule in presets.load(name) for a in rule.actions if a.type == "letter"}
    assert kinds <= set(LETTER_KINDS)
    assert kinds <= set(Kind.values), f"letters/kinds.py lacks {sorted(kinds - set(Kind.values))}"


@pytest.mark.parametrize("name", presets.PRESETS)
def test_legal_steps_only_for_pupils_of_compulsory_school_age(name):
    """RULES.md §0.5: no warning or penalty notice for a pupil below compulsory school age
    (Leeds writes letters to under-5s, LE-18, but takes no legal step)."""
    for rule in presets.load(name):
        if rule.track == "legal" and rule.to_stage in ("warning", "penalty_notice"):
            assert rule.pupil.compulsory_age is True, rule.id


def test_issuers_follow_the_policies():
    """BS-36: Blue Sky issues its own notices after the LA's check; BH-22, DS-29, BL-27 and
    LE-27 refer to the local authority."""
    assert {name: presets.settings(name)["issuer"] for name in presets.PRESETS} == {
        "blue-sky": "school",
        "burton-hathow": "la",
        "dsat": "la",
        "banks-lane": "la",
        "leeds": "la",
    }


def test_an_unknown_preset_is_refused_by_name():
    with pytest.raises(KeyError, match="no preset 'nope'"):
        presets.load("nope")


def test_data_is_a_copy_a_school_may_edit():
    rules = presets.data("dsat")
    rules[0]["id"] = "XX-1"
    assert presets.data("dsat")[0]["id"] == "DS-09"


def test_setup_school_accepts_exactly_the_presets_that_exist():
    """`setup_school`'s `policy` key (registers, which cannot import escalation) keeps its
    own list: it must name the same five presets."""
    from registers.setup_file import POLICY_PRESETS

    assert list(POLICY_PRESETS) == presets.PRESETS
