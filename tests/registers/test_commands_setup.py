"""`manage.py setup_school FILE.toml`: a school's trust, times, calendar and sessions."""

import datetime as dt
import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from registers import setup
from registers.models import (
    AcademicYear,
    Closure,
    RegisterTimes,
    School,
    Session,
    Term,
    Trust,
)

D = dt.date
REPO = Path(__file__).resolve().parents[2]

# reference/school-example.toml, as shipped with the design (checked below when present).
REFERENCE = Path("/work/shared/reference/school-example.toml")
EXAMPLE = """\
# One school's setup, read by `python manage.py setup_school FILE.toml`.
# Times are local (Europe/London), dates ISO. Re-running with the same slug updates the school.

[trust]
slug = "blue-sky"
name = "The Blue Sky Federation"

[school]
slug = "heelands"
name = "Heelands School"
urn = "110001"            # Unique Reference Number
la_code = "826"           # local authority number
estab = "2001"            # DfE establishment number
phase = "primary"
attendance_target = 96.0  # percent
policy = "blue-sky"       # escalation preset: blue-sky, burton-hathow, dsat, banks-lane, leeds

[sessions.AM]
opens = "08:50"
late_after = "08:50"      # arrival after this and before `closes`: L
closes = "09:05"          # arrival after this: U

[sessions.PM]
opens = "13:00"
late_after = "13:00"
closes = "13:15"

[[terms]]
name = "Autumn"
starts = "2024-09-03"
ends = "2024-12-20"
half_term = ["2024-10-28", "2024-11-01"]

[[terms]]
name = "Spring"
starts = "2025-01-06"
ends = "2025-04-04"
half_term = ["2025-02-17", "2025-02-21"]

[[terms]]
name = "Summer"
starts = "2025-04-22"
ends = "2025-07-22"
half_term = ["2025-05-26", "2025-05-30"]

# Days inside a term with no sessions; bank holidays for England are added automatically.
[[closures]]
date = "2024-09-02"
reason = "INSET"
"""


def write(tmp_path, text, name="school.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path):
    out = io.StringIO()
    call_command("setup_school", str(path), stdout=out)
    return out.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as exc:
        run(path)
    return str(exc.value)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the design's reference files are not here")
def test_the_example_here_is_the_reference_file():
    assert REFERENCE.read_text(encoding="utf-8") == EXAMPLE


def test_the_example_file_sets_up_the_school_and_its_year(db, tmp_path):
    output = run(write(tmp_path, EXAMPLE))

    school = School.objects.get(slug="heelands")
    assert school.trust == Trust.objects.get(slug="blue-sky", name="The Blue Sky Federation")
    assert (school.name, school.urn, school.la_code, school.estab, school.phase) == (
        "Heelands School",
        "110001",
        "826",
        "2001",
        "primary",
    )
    assert school.attendance_target == 96
    assert school.policy_preset == "blue-sky"
    with scopes_disabled():
        am = RegisterTimes.objects.get(school=school, period="AM")
        assert (am.opens, am.late_after, am.closes) == (
            dt.time(8, 50),
            dt.time(8, 50),
            dt.time(9, 5),
        )
        year = AcademicYear.objects.get(school=school)
        assert (year.name, year.starts, year.ends) == ("2024/25", D(2024, 9, 1), D(2025, 8, 31))
        autumn = Term.objects.get(school=school, name="Autumn")
        assert (autumn.half_term_starts, autumn.half_term_ends) == (D(2024, 10, 28), D(2024, 11, 1))
        assert Term.objects.filter(school=school, academic_year=year).count() == 3
        inset = Closure.objects.get(school=school)
        assert (inset.date, inset.kind) == (D(2024, 9, 2), Closure.Kind.INSET)
        assert "created" in output and "heelands" in output


def test_sessions_follow_the_calendar_with_the_schools_times(db, tmp_path):
    run(write(tmp_path, EXAMPLE))

    school = School.objects.get(slug="heelands")
    with scopes_disabled():
        days = set(Session.objects.filter(school=school).values_list("date", flat=True))
        first = Session.objects.get(school=school, date=D(2024, 9, 3), period="PM")
        assert (first.opens, first.late_after, first.closes) == (
            dt.time(13, 0),
            dt.time(13, 0),
            dt.time(13, 15),
        )
        assert D(2024, 9, 2) not in days  # INSET
        assert D(2024, 10, 30) not in days  # half term
        assert D(2025, 5, 5) not in days  # early May bank holiday
        assert D(2025, 4, 10) not in days  # Easter holiday
        assert D(2025, 7, 22) in days
        # Every school day has an AM and a PM session.
        assert Session.objects.filter(school=school).count() == 2 * len(days)


def test_running_the_same_file_again_changes_nothing(db, tmp_path):
    path = write(tmp_path, EXAMPLE)
    run(path)
    school = School.objects.get(slug="heelands")
    with scopes_disabled():
        sessions = set(Session.objects.filter(school=school).values_list("pk", flat=True))

    output = run(path)
    with scopes_disabled():
        assert School.objects.count() == 1 and Trust.objects.count() == 1
        assert set(Session.objects.filter(school=school).values_list("pk", flat=True)) == sessions
        assert Term.objects.filter(school=school).count() == 3
        assert "0 new" in output
        assert "School heelands (Heelands School): unchanged" in output


def test_a_changed_file_updates_the_school_and_its_calendar(db, tmp_path):
    run(write(tmp_path, EXAMPLE))
    school = School.objects.get(slug="heelands")
    changed = (
        EXAMPLE.replace('name = "Heelands School"', 'name = "Heelands Primary School"')
        .replace('policy = "blue-sky"', 'policy = "dsat"')
        .replace('late_after = "08:50"', 'late_after = "08:55"')
        # The summer term now ends on Sunday 20th: the 21st and 22nd go (no marks yet;
        # test_calendar_changes has the days with marks).
        .replace('ends = "2025-07-22"', 'ends = "2025-07-20"')
        .replace(
            'date = "2024-09-02"\nreason = "INSET"', 'date = "2025-01-06"\nreason = "Training"'
        )
    )

    # Sessions from "today" on move to the new register times; earlier ones keep theirs.
    done = setup.school_setup(config=tomllib.loads(changed), today=D(2025, 1, 1))
    output = "\n".join(done.lines)

    with scopes_disabled():
        school.refresh_from_db()
        assert (school.name, school.policy_preset) == ("Heelands Primary School", "dsat")
        assert RegisterTimes.objects.get(school=school, period="AM").late_after == dt.time(8, 55)
        assert Session.objects.get(school=school, date=D(2025, 1, 7), period="AM").late_after == (
            dt.time(8, 55)
        )
        assert Session.objects.get(school=school, date=D(2024, 12, 2), period="AM").late_after == (
            dt.time(8, 50)
        )
        assert list(Closure.objects.filter(school=school).values_list("date", "kind")) == [
            (D(2025, 1, 6), "inset")
        ]
        assert not Session.objects.filter(school=school, date=D(2025, 1, 6)).exists()
        assert not Session.objects.filter(school=school, date__gte=D(2025, 7, 21)).exists()
        assert "updated" in output


def test_a_term_dropped_from_the_file_is_removed_from_that_year(db, tmp_path):
    run(write(tmp_path, EXAMPLE))
    summer = EXAMPLE.index('[[terms]]\nname = "Summer"')
    closures = EXAMPLE.index("# Days inside")

    run(write(tmp_path, EXAMPLE[:summer] + EXAMPLE[closures:]))

    school = School.objects.get(slug="heelands")
    with scopes_disabled():
        assert list(Term.objects.filter(school=school).values_list("name", flat=True)) == [
            "Autumn",
            "Spring",
        ]
        assert not Session.objects.filter(school=school, date__gte=D(2025, 4, 22)).exists()


def test_a_year_between_the_years_of_a_file_is_left_alone(db):
    example = tomllib.loads(EXAMPLE)
    middle = {
        **example,
        "terms": [{"name": "Autumn", "starts": "2025-09-03", "ends": "2025-12-19"}],
        "closures": [{"date": "2025-09-02", "reason": "INSET"}],
    }
    setup.school_setup(config=middle)
    around = {
        **example,
        "terms": [
            *example["terms"],
            {"name": "Autumn", "starts": "2026-09-03", "ends": "2026-12-18"},
        ],
    }

    setup.school_setup(config=around)

    school = School.objects.get(slug="heelands")
    with scopes_disabled():
        assert Closure.objects.filter(school=school, date=D(2025, 9, 2)).exists()
        assert Term.objects.filter(school=school, starts=D(2025, 9, 3)).exists()
        assert Session.objects.filter(school=school, date=D(2025, 9, 3)).exists()


def test_a_school_without_a_trust_table_stands_alone(db, tmp_path):
    alone = EXAMPLE.replace('[trust]\nslug = "blue-sky"\nname = "The Blue Sky Federation"\n', "")
    run(write(tmp_path, alone))
    assert School.objects.get(slug="heelands").trust is None
    assert not Trust.objects.exists()


def test_keys_left_out_of_a_later_file_keep_what_is_saved(db, tmp_path):
    run(write(tmp_path, EXAMPLE))
    School.objects.filter(slug="heelands").update(address="1 School Lane\nHeelands")
    short = (
        EXAMPLE.replace('[trust]\nslug = "blue-sky"\nname = "The Blue Sky Federation"\n', "")
        .replace('policy = "blue-sky"', "")
        .replace('urn = "110001"', "")
    )

    run(write(tmp_path, short))

    school = School.objects.get(slug="heelands")
    assert (school.trust.slug, school.policy_preset) == ("blue-sky", "blue-sky")
    assert school.urn == "110001"
    assert school.address == "1 School Lane\nHeelands"


def test_the_setup_service_takes_a_plain_dict(db):
    done = setup.school_setup(config=tomllib.loads(EXAMPLE))
    assert done.created and done.school.slug == "heelands"
    with scopes_disabled():
        assert Session.objects.filter(school=done.school).exists()


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (('slug = "heelands"', ""), "school.slug", "missing"),
        (('closes = "09:05"', 'closes = "9:65"'), "sessions.AM.closes", "not a time"),
        (('closes = "09:05"', 'closes = "08:45"'), "sessions.AM.closes", "before late_after"),
        (('late_after = "13:00"', 'late_after = "12:00"'), "sessions.PM.late_after", "opens"),
        (("[sessions.PM]", "[sessions.XX]"), "sessions.PM", "missing"),
        (('policy = "blue-sky"', 'policy = "strict"'), "school.policy", "'strict'"),
        (('phase = "primary"', 'phase = "big"'), "school.phase", "must be one of"),
        (
            ("attendance_target = 96.0", "attendance_target = 196"),
            "school.attendance_target",
            "percentage",
        ),
        (
            ("attendance_target = 96.0", "attendance_target = nan"),
            "school.attendance_target",
            "percentage",
        ),
        (('la_code = "826"', 'la_code = "82"'), "school.la_code", "3 digits"),
        (('slug = "heelands"', 'slug = "Heelands School"'), "school.slug", "slug"),
        (('slug = "heelands"', 'slug = "api"'), "school.slug", "site's own pages"),
        (('urn = "110001"', 'urm = "110001"'), "school.urm", "unknown key"),
        (('name = "Heelands School"', 'name = "Heelands\\u0000"'), "school.name", "NUL"),
        (('starts = "2024-09-03"', 'starts = "2024-09-31"'), "terms[1].starts", "not a date"),
        (('ends = "2024-12-20"', 'ends = "2024-08-20"'), "terms[1].ends", "before starts"),
        (('ends = "2025-07-22"', 'ends = "2025-09-05"'), "terms[3].ends", "2025-08-31"),
        (
            ('["2025-02-17", "2025-02-21"]', '["2025-04-17", "2025-04-21"]'),
            "terms[2].half_term",
            "inside the term",
        ),
        (('["2025-02-17", "2025-02-21"]', '"2025-02-17"'), "terms[2].half_term", "two dates"),
        (
            ('starts = "2025-01-06"', 'starts = "2024-12-16"'),
            "terms",
            "Spring starts before Autumn ends",
        ),
        (('date = "2024-09-02"', 'date = "2026-01-05"'), "closures[1].date", "outside"),
        (
            ('reason = "INSET"', 'reason = "INSET"\nkind = "party"'),
            "closures[1].kind",
            "must be one of",
        ),
        (('name = "Autumn"', 'name = "Autumn'), "", "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key_and_changes_nothing(
    db, tmp_path, change, key, message
):
    old, new = change
    assert old in EXAMPLE
    error = refused(write(tmp_path, EXAMPLE.replace(old, new, 1)))

    assert "nothing was changed" in error
    assert f"{key}:" in error or key == ""
    assert message in error
    assert not School.objects.exists()
    assert not Trust.objects.exists()


def test_a_bad_file_leaves_an_existing_school_as_it_was(db, tmp_path):
    run(write(tmp_path, EXAMPLE))
    with scopes_disabled():
        sessions = Session.objects.count()
        bad = EXAMPLE.replace('name = "Heelands School"', 'name = "Renamed"').replace(
            'closes = "13:15"', 'closes = "noon"'
        )

        error = refused(write(tmp_path, bad))

        assert "sessions.PM.closes" in error
        assert School.objects.get(slug="heelands").name == "Heelands School"
        assert Session.objects.count() == sessions


def test_every_problem_of_a_file_is_listed_at_once(db, tmp_path):
    bad = EXAMPLE.replace('slug = "heelands"', "").replace('opens = "08:50"', 'opens = "x"')
    error = refused(write(tmp_path, bad))
    assert "school.slug: missing" in error
    assert "sessions.AM.opens" in error


def test_a_missing_file_is_an_error(db, tmp_path):
    assert "There is no file" in refused(tmp_path / "nope.toml")


def test_from_the_command_line_a_bad_file_exits_non_zero_with_the_key_on_stderr(tmp_path):
    bad = write(tmp_path, EXAMPLE.replace('closes = "09:05"', 'closes = "25:00"'))

    result = subprocess.run(
        [sys.executable, "manage.py", "setup_school", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "sessions.AM.closes" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
