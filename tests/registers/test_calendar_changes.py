"""A calendar change that touches marked sessions is refused with the marks it touches, or
applied in full with those marks amended to # by the system; never half-applied, never
silent (DESIGN.md §4)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from registers import stats
from registers.models import Amendment, Closure, Mark, School, Session
from registers.tenancy import school_scope, scopes_disabled
from tests.factories import MarkFactory, PupilFactory
from tests.registers.test_commands_setup import EXAMPLE, write

D = dt.date
SNOW_DAY = D(2024, 10, 14)  # a Monday of the autumn term
CLOSED = EXAMPLE + f'\n[[closures]]\ndate = "{SNOW_DAY}"\nreason = "Snow"\n'


def setup_school(path, *flags):
    out = io.StringIO()
    call_command("setup_school", str(path), *flags, stdout=out)
    return out.getvalue()


@pytest.fixture
def school(db, tmp_path):
    setup_school(write(tmp_path, EXAMPLE, name="first.toml"))
    with scopes_disabled():
        return School.objects.get(slug="heelands")


@pytest.fixture
def pupils(school):
    return [PupilFactory(school=school, on_roll_from=D(2024, 9, 3)) for _ in range(3)]


def session(school, day, period):
    with scopes_disabled():
        return Session.objects.get(school=school, date=day, period=period)


def marked_morning(school, pupils, code="N"):
    """The tried case: the morning register of the day was taken, the afternoon not."""
    am = session(school, SNOW_DAY, "AM")
    return [MarkFactory(session=am, pupil=p, code_id=code) for p in pupils]


def day_figures(school, pupils):
    with school_scope(school):
        return stats.summarise(school=school, start=SNOW_DAY, end=SNOW_DAY, pupils=pupils)


def test_a_closure_on_a_marked_day_is_refused_with_the_marks_and_changes_nothing(
    school, pupils, tmp_path
):
    marks = marked_morning(school, pupils)

    with pytest.raises(CommandError) as exc:
        setup_school(write(tmp_path, CLOSED))

    message = str(exc.value)
    assert "refused and nothing was changed" in message
    assert "3 mark(s) stand on 1 day(s)" in message
    for pupil in pupils:
        assert f"2024-10-14 AM {pupil.upn} N" in message
    assert "--close-marked-sessions" in message
    with scopes_disabled():
        # Not half-applied: both sessions, no closure, the marks as they were.
        assert set(
            Session.objects.filter(school=school, date=SNOW_DAY).values_list("period", flat=True)
        ) == {"AM", "PM"}
        assert not Closure.objects.filter(school=school, date=SNOW_DAY).exists()
        assert [m.code_id for m in Mark.objects.filter(pk__in=[m.pk for m in marks])] == ["N"] * 3


def test_the_refusal_lists_at_most_fifty_marks_and_counts_the_rest(school, tmp_path):
    pupils = [PupilFactory(school=school, on_roll_from=D(2024, 9, 3)) for _ in range(30)]
    marked_morning(school, pupils)
    pm = session(school, SNOW_DAY, "PM")
    for pupil in pupils:
        MarkFactory(session=pm, pupil=pupil, code_id="\\")

    with pytest.raises(CommandError) as exc:
        setup_school(write(tmp_path, CLOSED))

    message = str(exc.value)
    assert "60 mark(s)" in message
    assert message.count("2024-10-14 ") == 50
    assert "... and 10 more." in message


def test_a_closure_applied_in_full_amends_the_marks_to_closed_by_the_system(
    school, pupils, tmp_path
):
    marks = marked_morning(school, pupils)
    assert day_figures(school, pupils)[pupils[0].pk].unauthorised == 1

    output = setup_school(write(tmp_path, CLOSED), "--close-marked-sessions", "Snow: closed")

    assert "Closed after marks were taken: 2024-10-14. 3 mark(s) amended to #" in output
    with scopes_disabled():
        assert Closure.objects.filter(school=school, date=SNOW_DAY).exists()
        day = Mark.objects.filter(school=school, date=SNOW_DAY)
        # Both sessions stay (marks keep their session); every pupil is # in both.
        assert sorted(day.values_list("session__period", "code_id")) == (
            [("AM", "#")] * 3 + [("PM", "#")] * 3
        )
        amendments = Amendment.objects.filter(mark__in=marks)
        assert {(a.original_code, a.new_code, a.reason) for a in amendments} == {
            ("N", "#", "Snow: closed")
        }
        assert {(a.amended_by, a.amended_by_name) for a in amendments} == {(None, "System")}
        assert set(day.values_list("source", flat=True)) == {Mark.Source.SYSTEM}
    figures = day_figures(school, pupils)
    assert [(f.possible, f.unauthorised) for f in figures.values()] == [(0, 0)] * 3
    with school_scope(school):
        assert stats.missing_marks(school=school, start=SNOW_DAY, end=SNOW_DAY) == []


def test_a_day_closed_in_full_stays_closed_when_the_file_is_run_again(school, pupils, tmp_path):
    marked_morning(school, pupils)
    path = write(tmp_path, CLOSED)
    setup_school(path, "--close-marked-sessions", "Snow")
    with scopes_disabled():
        before = list(Mark.objects.filter(school=school).values_list("pk", "code", "version"))

    output = setup_school(path)  # no flag needed: no mark left to touch

    assert "Closed after marks were taken" not in output
    with scopes_disabled():
        after = list(Mark.objects.filter(school=school).values_list("pk", "code", "version"))
    assert after == before


def test_a_closure_on_an_unmarked_day_removes_its_sessions_and_removing_it_brings_them_back(
    school, tmp_path
):
    setup_school(write(tmp_path, CLOSED))
    with scopes_disabled():
        assert not Session.objects.filter(school=school, date=SNOW_DAY).exists()

    setup_school(write(tmp_path, EXAMPLE))

    with scopes_disabled():
        assert set(
            Session.objects.filter(school=school, date=SNOW_DAY).values_list("period", flat=True)
        ) == {"AM", "PM"}


def test_a_term_shortened_over_marked_days_is_refused_the_same_way(school, pupils, tmp_path):
    last_day = session(school, D(2025, 7, 22), "AM")
    MarkFactory(session=last_day, pupil=pupils[0], code_id="/")
    shorter = EXAMPLE.replace('ends = "2025-07-22"', 'ends = "2025-07-18"')

    with pytest.raises(CommandError) as exc:
        setup_school(write(tmp_path, shorter))

    assert f"2025-07-22 AM {pupils[0].upn} /" in str(exc.value)
    with scopes_disabled():
        assert Session.objects.filter(school=school, date=D(2025, 7, 21)).count() == 2


def test_a_reason_too_long_for_an_amendment_refuses_the_file_and_changes_nothing(
    school, pupils, tmp_path
):
    marked_morning(school, pupils)

    with pytest.raises(CommandError, match="at most"):
        setup_school(write(tmp_path, CLOSED), "--close-marked-sessions", "x" * 1000)

    with scopes_disabled():
        assert not Closure.objects.filter(school=school, date=SNOW_DAY).exists()
        assert set(Mark.objects.filter(school=school).values_list("code", flat=True)) == {"N"}
