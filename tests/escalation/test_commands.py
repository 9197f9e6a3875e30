"""The escalation commands' contracts (DESIGN.md §9): run_escalation, simulate_policy,
import_escalation_history."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from escalation.models import Case, Decision, EscalationPolicy, PenaltyNotice, Run, StageEntry
from letters.models import IssuedLetter
from tests.escalation.factories import (
    MISSING,
    OPEN_STAGE_1,
    PENALTY,
    child,
    ladder_school,
    marks,
    school_days,
)
from tests.factories import SchoolFactory, school_calendar

pytestmark = pytest.mark.django_db
D = dt.date
NOV_18 = D(2024, 11, 18)


def command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(school, day, *extra) -> dict:
    return json.loads(
        command(
            "run_escalation", school.slug, "--as-of", day.isoformat(), "--format", "json", *extra
        )
    )


@pytest.fixture
def school():
    """Two pupils, listed out of UPN order, each with an attendance, a legal and a
    welfare decision on 18 Nov."""
    school = ladder_school([OPEN_STAGE_1, PENALTY, MISSING])
    days = school_days(school, D(2024, 9, 3), NOV_18)
    for name in ("Zed", "Amy"):
        pupil = child(school, name=name)
        marks(pupil, NOV_18, {day: "O" for day in days[-12:]})
    return school


def test_run_escalation_json_is_one_object_sorted_by_upn_then_track(school):
    data = run_json(school, NOV_18)

    assert list(data) == ["school", "policy", "as_of", "calendar_points", "decisions"]
    assert (data["school"], data["policy"], data["as_of"]) == (school.slug, "test", "2024-11-18")
    assert data["calendar_points"] == []
    order = [(d["upn"], d["track"]) for d in data["decisions"]]
    tracks = ("attendance", "punctuality", "legal", "welfare")
    assert order == sorted(order, key=lambda k: (k[0], tracks.index(k[1])))
    assert len(order) == 6
    for decision in data["decisions"]:
        assert list(decision) == [
            "upn",
            "track",
            "rule",
            "from_stage",
            "to_stage",
            "actions",
            "evidence",
        ]
        assert decision["rule"].startswith("test/TL-")
        if decision["track"] == "welfare":
            assert (decision["from_stage"], decision["to_stage"]) == (None, None)
            assert decision["actions"] == [
                {"type": "report", "kind": "missing_from_school", "to": "la"}
            ]
    legal = next(d for d in data["decisions"] if d["track"] == "legal")
    notice = legal["actions"][0]
    assert {k: notice[k] for k in ("notice_number", "amount_gbp", "issuer", "parent")} == {
        "notice_number": 1,
        "amount_gbp": 80,
        "issuer": "school",
        "parent": 1,
    }


def test_a_second_run_of_the_day_decides_nothing_new(school):
    run_json(school, NOV_18)

    assert run_json(school, NOV_18)["decisions"] == []


def test_dry_run_stores_nothing(school):
    data = run_json(school, NOV_18, "--dry-run")

    assert len(data["decisions"]) == 6
    with scopes_disabled():
        assert not Decision.objects.filter(school=school).exists()
        assert not Run.objects.filter(school=school).exists()
        assert not IssuedLetter.objects.filter(school=school).exists()


def test_run_escalation_text_names_each_decision_and_counts_them(school):
    text = command("run_escalation", school.slug, "--as-of", "2024-11-18")

    lines = text.splitlines()
    assert "policy test, 2024-11-18" in lines[0]
    assert any(
        "test/TL-01  attendance none -> stage_1: letter stage 1 (to approve)" in line
        for line in lines
    )
    assert any("penalty notice 1 £80 to parent 1 (issuer school)" in line for line in lines)
    assert lines[-1] == "6 decisions."


def test_run_escalation_refuses_an_unknown_school_on_stderr(db):
    with pytest.raises(CommandError, match="no school with the slug 'nowhere'"):
        command("run_escalation", "nowhere", "--as-of", "2024-11-18")


def test_a_school_is_given_its_preset_as_its_policy_the_first_time(db):
    school = SchoolFactory(policy_preset="blue-sky")
    school_calendar(school)

    data = run_json(school, NOV_18)

    assert data["policy"] == "blue-sky"
    with scopes_disabled():
        policy = EscalationPolicy.objects.get(school=school)
        assert policy.preset == "blue-sky" and policy.rules


def test_simulate_policy_replays_each_school_day_and_stores_nothing(school):
    out = command(
        "simulate_policy",
        school.slug,
        "--from",
        "2024-11-11",
        "--to",
        "2024-11-22",
        "--format",
        "json",
    )

    days = json.loads(out)
    assert [d["as_of"] for d in days] == [
        "2024-11-11",
        "2024-11-12",
        "2024-11-13",
        "2024-11-14",
        "2024-11-15",
        "2024-11-18",
        "2024-11-19",
        "2024-11-20",
        "2024-11-21",
        "2024-11-22",
    ]
    assert all(
        list(d) == ["school", "policy", "as_of", "calendar_points", "decisions"] for d in days
    )
    # As if approved on its day: the stage-1 letter goes once, not every night.
    letters = [
        (d["as_of"], x["upn"]) for d in days for x in d["decisions"] if x["track"] == "attendance"
    ]
    assert len(letters) == 2 and len({upn for _, upn in letters}) == 2
    with scopes_disabled():
        for model in (Decision, Case, StageEntry, PenaltyNotice, Run, IssuedLetter):
            assert not model.objects.filter(school=school).exists(), model


def test_simulate_policy_text_ends_with_counts_by_month(school):
    out = command("simulate_policy", school.slug, "--from", "2024-10-01", "--to", "2024-12-20")

    lines = out.splitlines()
    assert "simulated, nothing stored" in lines[0]
    table = lines[lines.index("Month     letters  meetings  notices") :]
    assert [line.split()[0] for line in table[1:]] == ["2024-10", "2024-11", "2024-12", "Total"]
    total = table[-1].split()
    assert int(total[1]) >= 2 and int(total[3]) >= 2


def test_simulate_policy_can_try_another_preset_and_refuses_an_unknown_one(school):
    out = command(
        "simulate_policy",
        school.slug,
        "--preset",
        "blue-sky",
        "--from",
        "2024-11-11",
        "--to",
        "2024-11-11",
        "--format",
        "json",
    )
    assert json.loads(out)[0]["policy"] == "blue-sky"
    with pytest.raises(CommandError, match="no preset 'nowhere'"):
        command(
            "simulate_policy",
            school.slug,
            "--preset",
            "nowhere",
            "--from",
            "2024-11-11",
            "--to",
            "2024-11-11",
        )


def write(tmp_path, text: str):
    path = tmp_path / "history.csv"
    path.write_text(text)
    return str(path)


def test_import_escalation_history_creates_cases_and_notices_that_count(school, tmp_path):
    with scopes_disabled():
        amy = child(school, name="Historic")
    marks(amy, NOV_18, {day: "O" for day in school_days(school, D(2024, 11, 4), NOV_18)})
    file = write(
        tmp_path,
        "upn,date,track,to_stage,kind,parent_priority,notice_number\n"
        f"{amy.upn},2023-03-01,attendance,stage_1,stage_1,,\n"
        f"{amy.upn},2023-05-02,attendance,stage_2,stage_2,,\n"
        f"{amy.upn},2023-06-12,legal,penalty_notice,,1,1\n",
    )

    out = command("import_escalation_history", school.slug, file)

    assert "2 cases, 3 stage entries, 1 penalty notices imported" in out
    with scopes_disabled():
        notice = PenaltyNotice.objects.get(pupil=amy)
        assert (notice.status, notice.issued_on, notice.imported) == (
            "issued",
            D(2023, 6, 12),
            True,
        )
    # The imported notice counts: the next one to that parent is the second, £160.
    data = run_json(school, NOV_18)
    legal = next(d for d in data["decisions"] if d["upn"] == amy.upn and d["track"] == "legal")
    assert legal["actions"][0]["notice_number"] == 2
    assert legal["actions"][0]["amount_gbp"] == 160
    # A stage of an earlier year does not carry into this one.
    with scopes_disabled():
        imported = Case.objects.get(pupil=amy, track="attendance", opened_on=D(2023, 3, 1))
        assert (imported.stage, imported.closed_on) == ("none", NOV_18)


def test_import_escalation_history_is_all_or_nothing_with_row_numbers(school, tmp_path):
    with scopes_disabled():
        upn = school.pupil_set.first().upn
    file = write(
        tmp_path,
        "upn,date,track,to_stage,kind,parent_priority,notice_number\n"
        f"{upn},2023-03-01,attendance,stage_1,,,\n"
        f"{upn},2023-03-02,attendance,stage_9,,,\n"
        f"{upn},2023-06-12,legal,penalty_notice,,,1\n"
        f"{upn},2023-13-01,welfare,none,,,\n",
    )

    with pytest.raises(CommandError) as refused:
        command("import_escalation_history", school.slug, file)

    message = str(refused.value)
    assert "nothing was imported" in message
    assert "row 3: to_stage 'stage_9' is not a stage of the attendance track" in message
    assert "row 4: A penalty notice needs parent_priority" in message
    assert "row 5: date" in message and "row 5: track 'welfare'" in message
    with scopes_disabled():
        assert not Case.objects.filter(school=school).exists()
