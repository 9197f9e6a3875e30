"""The words the escalation pages show for the night's evidence and the ladder's rules:
dates as dates, a measure as yes or no, singular and plural days."""

from escalation import ladder
from escalation.selectors.evidence import figure


def test_evidence_shows_the_stage_date_as_a_date_and_a_measure_as_yes_or_no():
    assert figure("stage_since", "2026-11-09").value == "9 Nov 2026"
    missing = figure("indicator[missing_from_school]", 1)
    assert missing.value == "yes"
    assert figure("indicator[missing_from_school]", 0).value == "no"


def _rule(test, action):
    return ladder.rule_from_data(
        {
            "id": "BS-99",
            "track": "welfare",
            "type": "event",
            "when": {"point": "nightly"},
            "once": "episode",
            "tests": [test],
            "actions": [action],
        }
    )


def test_a_rule_reads_at_least_n_days_in_a_row_and_one_school_day_in_the_singular():
    rule = _rule(
        {"metric": {"kind": "consecutive_days", "codes": ["I"]}, "op": ">=", "value": "6"},
        {"type": "task", "kind": "call", "role": "office", "due_days": 1},
    )

    sentence = ladder.describe(rule)

    assert "absent (I) for at least 6 school days in a row" in sentence
    assert "within 1 school day" in sentence and "within 1 school days" not in sentence
