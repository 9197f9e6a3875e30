"""`attendance_report` and `pupil_indicators`: the figures of DESIGN.md §6 as exported.

The indicator tests double as the tests of `stats.indicators`: each builds a pupil on
either side of a threshold, with every other session of the year marked present so
that only the case under test can hold.
"""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from registers import stats
from registers.models import Mark, Pupil, Session, build_upn
from tests.factories import (
    MarkFactory,
    PupilFactory,
    SchoolFactory,
    SessionFactory,
    mark_days,
    school_calendar,
)

D = dt.date
YEAR_START = D(2024, 9, 3)  # the first school day of 2024/25 in school_calendar


@pytest.fixture
def calendar_school(school):
    school_calendar(school)
    return school


_serials = iter(range(500, 999))


def pupil(school, **kwargs):
    serial = next(_serials)
    upn = build_upn(la_code="826", estab="2001", year=19, serial=serial)
    return PupilFactory(school=school, upn=upn, **kwargs)


@scopes_disabled()
def school_days(school, start, end):
    return list(
        Session.objects.filter(school=school, date__range=(start, end))
        .values_list("date", flat=True)
        .distinct()
        .order_by("date")
    )


@scopes_disabled()
def record(pupil, *, until, codes):
    """Mark every session from the start of the year to `until`: present unless `codes`
    ({date: code for both sessions, or (date, period): code}) says otherwise."""
    marks = []
    for s in Session.objects.filter(school=pupil.school, date__range=(YEAR_START, until)):
        present = "/" if s.period == "AM" else "\\"
        code = codes.get((s.date, s.period), codes.get(s.date, present))
        if code is None:
            continue
        marks.append(
            Mark(
                school=pupil.school,
                pupil=pupil,
                session=s,
                date=s.date,
                code_id=code,
                recorded_at=timezone.now(),
            )
        )
    Mark.objects.bulk_create(marks)


def command(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# ---- attendance_report --------------------------------------------------------------------

# Two weeks covering every category of the national codes, one session each (AM, PM).
EVERY_CATEGORY = {
    D(2024, 9, 9): ("/", "\\"),  # present
    D(2024, 9, 10): ("L", "V"),  # late (present); educational visit (approved activity)
    D(2024, 9, 11): ("B", "M"),  # approved activity; leave of absence (medical)
    D(2024, 9, 12): ("C", "I"),  # leave of absence; authorised other (illness)
    D(2024, 9, 13): ("R", "O"),  # authorised other (religious); unauthorised
    D(2024, 9, 16): ("G", "N"),  # unauthorised (holiday not granted; not yet established)
    D(2024, 9, 17): ("U", "X"),  # unauthorised (after close); not compulsory age: not possible
    D(2024, 9, 18): ("Y1", "Q"),  # unable to attend: not possible
    D(2024, 9, 19): ("D", "Z"),  # dual registered, prospective pupil: not possible
    D(2024, 9, 20): ("#", "\\"),  # planned closure: not possible; present
}
RANGE = ("--from", "2024-09-09", "--to", "2024-09-20")


@pytest.fixture
def report_school(calendar_school):
    school = calendar_school
    every = pupil(school, legal_forename="Every")
    mark_days(every, EVERY_CATEGORY)
    # Outside the range: counted nowhere in this report.
    mark_days(every, {D(2024, 9, 6): "O", D(2024, 9, 23): "O"})
    pupil(school, legal_forename="Quiet")  # on roll, no marks
    left = pupil(school, legal_forename="Left", on_roll_to=D(2024, 9, 6))
    mark_days(left, {D(2024, 9, 9): "O"})  # after leaving: not on roll, not reported
    joiner = pupil(school, legal_forename="Joiner", on_roll_from=D(2024, 9, 16))
    mark_days(joiner, {D(2024, 9, 13): "O"})  # before joining: counts nowhere
    mark_days(
        joiner,
        {d: "/" for d in school_days(school, D(2024, 9, 16), D(2024, 9, 19))}
        | {D(2024, 9, 20): ("/", "I")},
    )
    stranger = PupilFactory(school=SchoolFactory())
    MarkFactory(
        school=stranger.school,
        pupil=stranger,
        session=SessionFactory(school=stranger.school, date=D(2024, 9, 9)),
    )
    return school


def report_json(school):
    return json.loads(command("attendance_report", school.slug, *RANGE, "--format", "json"))


def report_csv(school):
    text = command("attendance_report", school.slug, *RANGE, "--format", "csv")
    return list(csv.DictReader(io.StringIO(text))), text.splitlines()[0].split(",")


def named(school, rows):
    with scopes_disabled():
        names = dict(Pupil.objects.filter(school=school).values_list("upn", "legal_forename"))
        return {names[r["upn"]]: r for r in rows}


def test_the_report_counts_every_category_as_the_reference_file_says(report_school):
    rows = named(report_school, report_json(report_school))

    every = rows["Every"]
    assert {k: every[k] for k in ("possible", "attended", "present", "approved_activity")} == {
        "possible": 14,  # 20 sessions less X, Y1, Q, D, Z and #
        "attended": 6,
        "present": 4,
        "approved_activity": 2,
    }
    assert (every["authorised"], every["unauthorised"], every["lates"]) == (4, 4, 1)
    assert every["attendance_pct"] == 42.86  # 6 / 14
    assert every["persistent_absence"] is True and every["severe_absence"] is True  # 8 / 14
    counted = {code: n for code, n in every.items() if code in stats.codes_in_order() and n}
    assert counted == {
        "/": 1,
        "\\": 2,
        "L": 1,
        "V": 1,
        "B": 1,
        "M": 1,
        "C": 1,
        "I": 1,
        "R": 1,
        "O": 1,
        "G": 1,
        "N": 1,
        "U": 1,
        "X": 1,
        "Y1": 1,
        "Q": 1,
        "D": 1,
        "Z": 1,
        "#": 1,
    }


def test_the_report_covers_pupils_on_roll_at_any_time_in_the_range_by_upn(report_school):
    rows = report_json(report_school)
    by = named(report_school, rows)

    assert set(by) == {"Every", "Quiet", "Joiner"}
    assert [r["upn"] for r in rows] == sorted(r["upn"] for r in rows)
    quiet = by["Quiet"]
    assert (quiet["possible"], quiet["attendance_pct"], quiet["persistent_absence"]) == (
        0,
        None,
        False,
    )
    joiner = by["Joiner"]
    # Exactly 10% absence over the range is persistent absence.
    assert (joiner["possible"], joiner["attended"], joiner["attendance_pct"]) == (10, 9, 90.0)
    assert joiner["persistent_absence"] is True and joiner["severe_absence"] is False
    assert joiner["O"] == 0  # the mark from before joining counts nowhere


def test_csv_and_json_give_the_same_figures_in_the_same_columns(report_school):
    as_json = report_json(report_school)
    as_csv, header = report_csv(report_school)

    assert header == [
        "upn",
        "possible",
        "attended",
        "present",
        "approved_activity",
        "authorised",
        "unauthorised",
        "lates",
        "attendance_pct",
        "persistent_absence",
        "severe_absence",
        *stats.codes_in_order(),
    ]
    assert [list(r) for r in as_json] == [header] * len(as_json)

    def as_text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)

    assert [{k: as_text(v) for k, v in r.items()} for r in as_json] == as_csv
    quiet = next(r for r in as_csv if r["possible"] == "0")
    assert quiet["attendance_pct"] == "" and quiet["persistent_absence"] == "false"


def test_the_report_takes_the_same_queries_for_any_number_of_pupils(
    report_school, django_assert_num_queries
):
    stats.code_rules()  # reference data, read once per process
    with django_assert_num_queries(3):  # the school, the pupils, the marks
        report_json(report_school)
    for _ in range(10):
        mark_days(pupil(report_school), {D(2024, 9, 9): "/"})
    with django_assert_num_queries(3):
        report_json(report_school)


def test_report_arguments_are_checked(report_school):
    with pytest.raises(CommandError, match="before --from"):
        command(
            "attendance_report", report_school.slug, "--from", "2024-09-20", "--to", "2024-09-01"
        )
    with pytest.raises(CommandError, match="'20/09/2024' is not a date"):
        command(
            "attendance_report", report_school.slug, "--from", "20/09/2024", "--to", "2024-09-30"
        )
    with pytest.raises(CommandError, match="no school with the slug"):
        command("attendance_report", "nowhere", *RANGE)
    with pytest.raises(CommandError, match="invalid choice"):
        command("attendance_report", report_school.slug, *RANGE, "--format", "xlsx")


# ---- pupil_indicators ---------------------------------------------------------------------


def indicators_as_of(school, day) -> dict[str, list[str]]:
    rows = json.loads(command("pupil_indicators", school.slug, "--as-of", day.isoformat()))
    with scopes_disabled():
        names = dict(Pupil.objects.filter(school=school).values_list("upn", "legal_forename"))
        assert [r["upn"] for r in rows] == sorted(r["upn"] for r in rows)
        assert all(set(r) == {"upn", "indicators"} for r in rows)
        return {names[r["upn"]]: r["indicators"] for r in rows}


def test_persistent_and_severe_absence_at_exactly_10_and_50_percent(calendar_school):
    school = calendar_school
    as_of = D(2024, 9, 20)
    days = school_days(school, D(2024, 9, 9), as_of)  # 10 days, 20 sessions
    before = {d: None for d in school_days(school, YEAR_START, D(2024, 9, 6))}
    # 2 absent of 20 possible: exactly 10%.
    record(pupil(school, legal_forename="Ten"), until=as_of, codes=before | {days[0]: "I"})
    # 2 absent of 21 possible: 9.5%.
    record(
        pupil(school, legal_forename="UnderTen"),
        until=as_of,
        codes=before | {(D(2024, 9, 6), "AM"): "/"} | {days[0]: "I"},
    )
    # 10 of 20: exactly 50%; 10 of 21: 47.6% (authorised, so no penalty threshold).
    record(
        pupil(school, legal_forename="Fifty"),
        until=as_of,
        codes=before | {d: "I" for d in days[:5]},
    )
    record(
        pupil(school, legal_forename="UnderFifty"),
        until=as_of,
        codes=before | {(D(2024, 9, 6), "PM"): "\\"} | {d: "M" for d in days[:5]},
    )

    held = indicators_as_of(school, as_of)

    assert held["Ten"] == ["persistent_absence"]
    assert held["UnderTen"] == []
    assert held["Fifty"] == ["persistent_absence", "severe_absence"]
    assert held["UnderFifty"] == ["persistent_absence"]


def test_absence_before_the_academic_year_or_after_the_date_does_not_count(calendar_school):
    school = calendar_school
    as_of = D(2024, 9, 20)
    clean = pupil(school, legal_forename="Clean")
    record(clean, until=as_of, codes={})
    last_july = [SessionFactory(school=school, date=D(2024, 7, d)) for d in range(8, 13)]
    for s in last_july:
        MarkFactory(school=school, session=s, pupil=clean, code_id="O")
    mark_days(clean, {d: "O" for d in school_days(school, D(2024, 9, 23), D(2024, 10, 4))})
    no_possible = pupil(school, legal_forename="NotCompulsory")
    record(no_possible, until=as_of, codes={d: "X" for d in school_days(school, YEAR_START, as_of)})

    held = indicators_as_of(school, as_of)

    assert held["Clean"] == []
    # No possible sessions: no percentage, so no percentage-based indicator.
    assert held["NotCompulsory"] == []


def test_penalty_threshold_is_ten_g_n_o_u_sessions_in_ten_school_weeks_across_half_term(
    calendar_school,
):
    school = calendar_school
    as_of = D(2024, 11, 22)  # ten school weeks back, skipping half term: from Mon 9 Sep
    after_half_term = {
        (D(2024, 11, 18), "PM"): "O",
        D(2024, 11, 19): "N",
        D(2024, 11, 20): "G",
        D(2024, 11, 21): "U",
    }  # 7 sessions
    lates = {D(2024, 11, 12): "L", D(2024, 11, 13): "L"}
    record(
        pupil(school, legal_forename="Ten"),
        until=as_of,
        codes=after_half_term | lates | {D(2024, 9, 9): "G", (D(2024, 9, 10), "AM"): "U"},
    )
    # The same, but one of them in the week before the window: 9 in the window.
    record(
        pupil(school, legal_forename="NineInWindow"),
        until=as_of,
        codes=after_half_term | lates | {D(2024, 9, 9): "G", (D(2024, 9, 6), "AM"): "U"},
    )
    # 9 up to the date and 1 later that week: not yet.
    record(
        pupil(school, legal_forename="TenthTomorrow"),
        until=D(2024, 11, 29),
        codes=after_half_term | {D(2024, 9, 9): "G", (D(2024, 11, 25), "AM"): "U"},
    )

    held = indicators_as_of(school, as_of)

    assert held["Ten"] == ["penalty_threshold"]  # 10 of 108 sessions: not persistent
    assert held["NineInWindow"] == []
    assert held["TenthTomorrow"] == []


def test_missing_from_school_is_every_session_of_ten_school_days_of_g_n_o(calendar_school):
    school = calendar_school
    as_of = D(2024, 11, 8)
    ten_days = school_days(school, D(2024, 10, 21), as_of)  # across half term
    assert len(ten_days) == 10
    mixed = dict(zip(ten_days, ["G", "N", "O"] * 4, strict=False))
    record(pupil(school, legal_forename="Ten"), until=as_of, codes=mixed)
    record(
        pupil(school, legal_forename="Nine"),
        until=as_of,
        codes={d: "N" for d in ten_days[1:]},
    )
    record(
        pupil(school, legal_forename="NineAndAHalf"),
        until=as_of,
        codes=mixed | {(ten_days[0], "AM"): "/"},
    )
    record(
        pupil(school, legal_forename="OneDayIll"),
        until=as_of,
        codes=mixed | {ten_days[4]: "I"},
    )
    record(
        pupil(school, legal_forename="OneUnmarked"),
        until=as_of,
        codes=mixed | {(ten_days[9], "PM"): None},
    )

    held = indicators_as_of(school, as_of)

    # 20 absent sessions of 88 in the year to date; 20 of G, N, O in ten school weeks.
    assert held["Ten"] == ["persistent_absence", "penalty_threshold", "missing_from_school"]
    assert "missing_from_school" not in held["Nine"]
    assert "missing_from_school" not in held["NineAndAHalf"]
    assert "missing_from_school" not in held["OneDayIll"]
    assert "missing_from_school" not in held["OneUnmarked"]


def test_deletion_review_is_the_same_over_twenty_school_days(calendar_school):
    school = calendar_school
    as_of = D(2024, 11, 8)
    twenty = school_days(school, D(2024, 10, 7), as_of)
    assert len(twenty) == 20
    record(pupil(school, legal_forename="Twenty"), until=as_of, codes={d: "N" for d in twenty})
    record(
        pupil(school, legal_forename="Nineteen"),
        until=as_of,
        codes={d: "O" for d in twenty[1:]},
    )

    held = indicators_as_of(school, as_of)

    assert held["Twenty"] == [
        "persistent_absence",
        "penalty_threshold",
        "missing_from_school",
        "deletion_review",
    ]
    assert held["Nineteen"] == ["persistent_absence", "penalty_threshold", "missing_from_school"]


def test_long_illness_is_thirty_sessions_of_i_in_the_year_consecutive_or_not(calendar_school):
    school = calendar_school
    as_of = D(2024, 12, 20)
    mornings = school_days(school, YEAR_START, as_of)[::2][:30]  # every other day, AM only
    record(
        pupil(school, legal_forename="Thirty"),
        until=as_of,
        codes={(d, "AM"): "I" for d in mornings},
    )
    record(
        pupil(school, legal_forename="TwentyNine"),
        until=as_of,
        codes={(d, "AM"): "I" for d in mornings[:29]},
    )

    held = indicators_as_of(school, as_of)

    # 30 of 148 sessions absent is also persistent absence.
    assert held["Thirty"] == ["persistent_absence", "long_illness"]
    assert held["TwentyNine"] == ["persistent_absence"]


def test_every_pupil_on_roll_since_the_start_of_the_year_is_listed(calendar_school):
    # DESIGN.md §6: a pupil who has left is still counted for the year they were on roll.
    school = calendar_school
    pupil(school, legal_forename="OnRoll")
    pupil(school, legal_forename="Left", on_roll_to=D(2024, 9, 30))
    pupil(school, legal_forename="NotYet", on_roll_from=D(2024, 11, 1))
    pupil(
        school, legal_forename="LeftLastYear", on_roll_from=D(2023, 9, 4), on_roll_to=D(2024, 7, 19)
    )
    PupilFactory(school=SchoolFactory())

    held = indicators_as_of(school, D(2024, 10, 15))

    assert held == {"OnRoll": [], "Left": []}


def test_pupil_indicators_arguments_are_checked(calendar_school):
    with pytest.raises(CommandError, match="no school with the slug"):
        command("pupil_indicators", "nowhere", "--as-of", "2024-10-15")
    with pytest.raises(CommandError, match="is not a date"):
        command("pupil_indicators", calendar_school.slug, "--as-of", "15 Oct")
    with pytest.raises(CommandError, match="invalid choice"):
        command(
            "pupil_indicators", calendar_school.slug, "--as-of", "2024-10-15", "--format", "csv"
        )
