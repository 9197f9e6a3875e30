"""`manage.py import_marks SCHOOL FILE.csv`: register history, all or nothing, audited."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from registers import stats
from registers.imports import MARK_COLUMNS, ImportRefused, marks_import
from registers.models import AbsenceReason, Amendment, Mark, Session
from registers.tenancy import school_scope
from tests.factories import MarkFactory, PupilFactory, SchoolFactory, school_calendar

D = dt.date
MON, TUE, WED = D(2024, 9, 9), D(2024, 9, 10), D(2024, 9, 11)
PRESENT = (("AM", "/"), ("PM", "\\"))


@pytest.fixture
def calendar_school(school):
    school_calendar(school, start=D(2024, 9, 2), end=D(2024, 11, 29))
    return school


@pytest.fixture
def ada(calendar_school):
    return PupilFactory(school=calendar_school, on_roll_from=D(2024, 9, 3))


@pytest.fixture
def grace(calendar_school):
    return PupilFactory(school=calendar_school, on_roll_from=D(2024, 9, 3))


def row(pupil, day, session, code, minutes_late=""):
    return {
        "upn": pupil.upn,
        "date": day.isoformat() if isinstance(day, D) else day,
        "session": session,
        "code": code,
        "minutes_late": minutes_late,
    }


def write_csv(tmp_path, rows, columns=MARK_COLUMNS):
    path = tmp_path / "marks.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(school, path, *args):
    out = io.StringIO()
    call_command("import_marks", school.slug, str(path), *args, stdout=out)
    return out.getvalue()


def refused(school, path, *args) -> str:
    with pytest.raises(CommandError) as exc:
        run(school, path, *args)
    return str(exc.value)


def row_lines(error: str, row_number: int) -> list[str]:
    prefix = f"row {row_number}:"
    return [line.strip() for line in error.splitlines() if line.strip().startswith(prefix)]


def session(school, day, period):
    with scopes_disabled():
        return Session.objects.get(school=school, date=day, period=period)


def test_marks_are_imported_as_history(calendar_school, ada, grace, tmp_path):
    path = write_csv(
        tmp_path,
        [
            row(ada, MON, "AM", "/"),
            row(ada, MON, "pm", "\\"),
            row(ada, TUE, "AM", "l", "7"),
            row(ada, TUE, "PM", "I"),
            row(grace, MON, "AM", "c1"),
            row(grace, MON, "PM", "U", "40"),
        ],
    )

    output = run(calendar_school, path)

    with scopes_disabled():
        late = Mark.objects.get(pupil=ada, session=session(calendar_school, TUE, "AM"))
        assert (late.code_id, late.minutes_late, late.date, late.source) == ("L", 7, TUE, "import")
        assert (late.version, late.recorded_by, late.note) == (1, None, "")
        assert late.recorded_at is not None
        assert Mark.objects.get(pupil=grace, session__period="AM").code_id == "C1"
        with school_scope(calendar_school):
            figures = stats.summarise(
                school=calendar_school, start=MON, end=TUE, pupils=[ada, grace]
            )
        assert (figures[ada.pk].possible, figures[ada.pk].attended, figures[ada.pk].lates) == (
            4,
            3,
            1,
        )
        assert (figures[grace.pk].authorised, figures[grace.pk].unauthorised) == (1, 1)
        assert "6 added, 0 amended, 0 unchanged" in output
        assert not Amendment.objects.exists()


def test_importing_the_same_history_twice_changes_nothing(calendar_school, ada, tmp_path):
    path = write_csv(tmp_path, [row(ada, MON, "AM", "/"), row(ada, TUE, "AM", "L", "5")])
    run(calendar_school, path)

    output = run(calendar_school, path)

    assert "0 added, 0 amended, 2 unchanged" in output
    with scopes_disabled():
        assert Mark.objects.filter(pupil=ada).count() == 2
        assert set(Mark.objects.filter(pupil=ada).values_list("version", flat=True)) == {1}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (("Q9", WED, "AM", ""), "code 'Q9' is not a national attendance code"),
        (("", WED, "AM", ""), "code '' is not a national attendance code"),
        (("/", D(2024, 9, 14), "AM", ""), "Sat 14 Sep 2024 AM is not a session of this school"),
        (("/", D(2024, 10, 29), "PM", ""), "Tue 29 Oct 2024 PM is not a session"),
        (("/", "11/09/2024", "AM", ""), "date '11/09/2024' is not a date"),
        (("/", WED, "EV", ""), "session 'EV' must be AM or PM"),
        (("/", D(2024, 9, 2), "AM", ""), "is not a session"),  # INSET day
        (("/", WED, "AM", "5"), "minutes_late goes with L or U only"),
        (("L", WED, "AM", "ten"), "minutes_late 'ten' must be a whole number"),
        (("L", WED, "AM", "601"), "minutes_late '601' must be a whole number from 0 to 600"),
        (("/", MON, "AM", ""), "is already on row 2"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(calendar_school, ada, grace, tmp_path, bad, reason):
    code, day, period, minutes = bad
    path = write_csv(
        tmp_path,
        [
            row(ada, MON, "AM", "/"),
            row(ada, day, period, code, minutes),
            row(grace, MON, "AM", "/"),
        ],
    )

    error = refused(calendar_school, path)

    assert any(reason in line for line in row_lines(error, 3)), error
    assert not row_lines(error, 2) and not row_lines(error, 4)
    assert "nothing was imported" in error
    assert not Mark.objects.exists()


def test_a_pupil_not_on_roll_that_day_refuses_the_file(calendar_school, tmp_path):
    joiner = PupilFactory(school=calendar_school, on_roll_from=D(2024, 9, 10))
    leaver = PupilFactory(
        school=calendar_school, on_roll_from=D(2020, 9, 1), on_roll_to=D(2024, 9, 9)
    )
    path = write_csv(
        tmp_path,
        [
            row(joiner, MON, "AM", "/"),
            row(joiner, TUE, "AM", "/"),
            row(leaver, MON, "AM", "/"),
            row(leaver, TUE, "AM", "/"),
        ],
    )

    error = refused(calendar_school, path)

    assert row_lines(error, 2) == [f"row 2: upn {joiner.upn} was not on roll on 2024-09-09."]
    assert row_lines(error, 5) == [f"row 5: upn {leaver.upn} was not on roll on 2024-09-10."]
    assert not row_lines(error, 3) and not row_lines(error, 4)
    assert not Mark.objects.exists()


def test_a_pupil_of_another_school_is_refused(calendar_school, ada, tmp_path):
    stranger = PupilFactory(school=SchoolFactory())
    error = refused(calendar_school, write_csv(tmp_path, [row(stranger, MON, "AM", "/")]))
    assert f"row 2: upn '{stranger.upn}' is not a pupil on this school's roll" in error


def test_a_change_to_a_saved_mark_needs_a_reason(calendar_school, ada, grace, tmp_path):
    saved = MarkFactory(
        school=calendar_school, pupil=ada, session=session(calendar_school, MON, "AM"), code_id="N"
    )
    path = write_csv(tmp_path, [row(grace, MON, "AM", "/"), row(ada, MON, "AM", "I")])

    error = refused(calendar_school, path)

    assert "row 3: N is already saved for this session" in error
    assert "--amend-reason" in error
    with scopes_disabled():
        assert Mark.objects.get(pk=saved.pk).code_id == "N"
        assert not Mark.objects.filter(pupil=grace).exists()
        assert not Amendment.objects.exists()


def test_with_a_reason_changes_to_saved_marks_are_amendments(calendar_school, ada, grace, tmp_path):
    am, pm = session(calendar_school, MON, "AM"), session(calendar_school, MON, "PM")
    changed = MarkFactory(school=calendar_school, pupil=ada, session=am, code_id="N")
    same = MarkFactory(school=calendar_school, pupil=ada, session=pm, code_id="\\")
    path = write_csv(
        tmp_path,
        [row(ada, MON, "AM", "L", "12"), row(ada, MON, "PM", "\\"), row(grace, MON, "AM", "/")],
    )

    output = run(calendar_school, path, "--amend-reason", "History from the old MIS")

    changed.refresh_from_db()
    assert (changed.code_id, changed.minutes_late, changed.version) == ("L", 12, 2)
    assert changed.source == "import"
    with scopes_disabled():
        amendment = Amendment.objects.get()
        assert (amendment.mark, amendment.original_code, amendment.new_code) == (changed, "N", "L")
        assert (amendment.new_minutes_late, amendment.reason) == (12, "History from the old MIS")
        assert (amendment.amended_by_name, amendment.amended_by_role) == ("System", "Import")
        assert Mark.objects.get(pk=same.pk).version == 1
        assert "1 added, 1 amended, 1 unchanged" in output


def test_an_amendment_by_import_records_the_note_and_the_schools_reason(calendar_school, ada):
    am, pm = session(calendar_school, MON, "AM"), session(calendar_school, MON, "PM")
    hospital = AbsenceReason.objects.create(
        school=calendar_school, name="Hospital appointment", code_id="M"
    )
    recoded = MarkFactory(
        school=calendar_school, pupil=ada, session=am, code_id="M", note="Letter", reason=hospital
    )
    bus = AbsenceReason.objects.create(school=calendar_school, name="Bus late", code_id="L")
    late = MarkFactory(
        school=calendar_school, pupil=ada, session=pm, code_id="L", note="Bus", reason=bus
    )

    marks_import(
        school=calendar_school,
        rows=[row(ada, MON, "AM", "I"), row(ada, MON, "PM", "L", "5")],
        amend_reason="History from the old MIS",
    )

    # The note stays and is on the record; a reason given for another code lets go.
    recoded.refresh_from_db()
    assert (recoded.code_id, recoded.note, recoded.reason) == ("I", "Letter", None)
    with scopes_disabled():
        amendment = Amendment.objects.get(mark=recoded)
        assert (amendment.original_note, amendment.new_note) == ("Letter", "Letter")
        assert (amendment.original_absence_reason, amendment.new_absence_reason) == (
            "Hospital appointment",
            "",
        )
        # Only the minutes changed: the reason for the code stays, on the mark and the record.
        late.refresh_from_db()
        assert (late.minutes_late, late.reason.name) == (5, "Bus late")
        amendment = Amendment.objects.get(mark=late)
        assert (amendment.original_absence_reason, amendment.new_absence_reason) == (
            "Bus late",
            "Bus late",
        )
        assert (amendment.original_note, amendment.new_note) == ("Bus", "Bus")


def test_the_import_service_takes_python_rows(calendar_school, ada):
    done = marks_import(
        school=calendar_school,
        rows=[{**row(ada, MON, "AM", "/"), "date": MON, "minutes_late": None}],
    )
    assert done.created == 1

    with pytest.raises(ImportRefused) as exc:
        marks_import(school=calendar_school, rows=[row(ada, MON, "PM", "ZZ")])
    assert [str(e) for e in exc.value.row_errors] == [
        "row 2: code 'ZZ' is not a national attendance code."
    ]


def test_a_missing_column_is_named(calendar_school, ada, tmp_path):
    path = write_csv(tmp_path, [row(ada, MON, "AM", "/")], columns=("upn", "date", "code"))
    error = refused(calendar_school, path)
    assert "row 1: Missing column(s): session, minutes_late." in error


def test_an_unknown_school_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="no school"):
        call_command("import_marks", "nowhere", str(tmp_path / "marks.csv"))


def test_queries_do_not_grow_with_the_number_of_rows(calendar_school):
    pupils = PupilFactory.create_batch(5, school=calendar_school, on_roll_from=D(2024, 9, 3))
    with scopes_disabled():
        days = list(
            Session.objects.filter(school=calendar_school, date__gte=D(2024, 9, 16))
            .values_list("date", flat=True)
            .distinct()
            .order_by("date")
        )

    def queries_for(some_days):
        rows = [row(p, d, s, c) for d in some_days for p in pupils for s, c in PRESENT]
        with CaptureQueriesContext(connection) as ctx:
            done = marks_import(school=calendar_school, rows=rows)
        assert done.created == len(rows)
        return len(ctx.captured_queries)

    ten, four_hundred = queries_for(days[:1]), queries_for(days[1:41])
    # At most a few more INSERT batches (SQLite takes 999 parameters a statement; PostgreSQL
    # takes one COPY), never a query per row.
    assert four_hundred - ten <= 5


def test_a_mark_saved_on_a_register_during_the_import_is_not_overwritten(calendar_school, ada):
    from django.db import IntegrityError

    from registers.imports.marks import _refuse_if_saved_meanwhile
    from registers.services import mark_record

    day = dt.date(2024, 9, 9)
    with school_scope(calendar_school):
        am = session(calendar_school, day, "AM")
        mark_record(
            school=calendar_school,
            pupil=ada,
            session=am,
            code="N",
            user=None,
            role="office",
            source=Mark.Source.OFFICE,
        )
        # The import has read the mark (version 1) and means to amend it ...
        read = Mark.objects.get(pupil=ada, session=am)
        read.version += 1
        # ... when the office records the parent's call on it.
        mark_record(
            school=calendar_school,
            pupil=ada,
            session=am,
            code="I",
            user=None,
            role="office",
            source=Mark.Source.OFFICE,
            amendment_reason="Mum rang",
        )
        with pytest.raises(IntegrityError):
            _refuse_if_saved_meanwhile([read])
