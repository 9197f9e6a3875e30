"""N codes (DESIGN §5; RULES.md BS-14, LE-11, DS-16, BL-05): the deadline is the 5th school
day after the session, counted over weekends, half terms and closures; the nightly N to O
is an amendment by the system, idempotent."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from absences.selectors.ncodes import n_code_queue
from absences.services.ncodes import overdue_n_replace
from absences.tasks import nightly_absences_at_school
from registers.models import Amendment, Closure, Mark
from registers.tenancy import school_scope
from tests.factories import PupilFactory, RegistrationGroupFactory, mark_days, school_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(school):
    school_calendar(school)
    return PupilFactory(school=school, registration_group=RegistrationGroupFactory(school=school))


def queue(school, as_of):
    with school_scope(school):
        return {
            (q.mark.date, q.mark.session.period): q
            for q in n_code_queue(school=school, as_of=as_of)
        }


def test_an_n_deadline_skips_the_weekend(school, pupil):
    # Wednesday N: Thu, Fri, Mon, Tue, Wed -> due the next Wednesday, overdue on Thursday.
    mark_days(pupil, {dt.date(2025, 1, 15): ("N", "/")})
    on_due = queue(school, dt.date(2025, 1, 22))[(dt.date(2025, 1, 15), "AM")]
    after = queue(school, dt.date(2025, 1, 23))[(dt.date(2025, 1, 15), "AM")]
    assert (on_due.deadline, on_due.overdue) == (dt.date(2025, 1, 22), False)
    assert after.overdue is True


def test_an_n_deadline_skips_the_half_term(school, pupil):
    # Friday 25 October 2024, then half term 28 Oct - 1 Nov: due Friday 8 November.
    mark_days(pupil, {dt.date(2024, 10, 25): "N"})
    item = queue(school, dt.date(2024, 11, 8))[(dt.date(2024, 10, 25), "PM")]
    assert (item.deadline, item.overdue) == (dt.date(2024, 11, 8), False)


def test_an_n_deadline_skips_a_closure(db):
    from tests.factories import SchoolFactory

    school = SchoolFactory()
    with scopes_disabled():
        Closure.objects.create(
            school=school, date=dt.date(2025, 1, 17), reason="INSET", kind="inset"
        )
    school_calendar(school)
    pupil = PupilFactory(school=school, registration_group=RegistrationGroupFactory(school=school))
    # Wednesday N; Friday is an INSET day: Thu, Mon, Tue, Wed, Thu -> Thursday 23rd.
    mark_days(pupil, {dt.date(2025, 1, 15): "N"})
    item = queue(school, dt.date(2025, 1, 15))[(dt.date(2025, 1, 15), "AM")]
    assert item.deadline == dt.date(2025, 1, 23)


def test_the_command_prints_the_queue_as_design_9_says(school, pupil):
    mark_days(pupil, {dt.date(2025, 1, 6): ("N", "/"), dt.date(2025, 1, 15): ("/", "N")})
    out = StringIO()
    call_command(
        "n_code_queue", school.slug, "--as-of", "2025-01-15", "--format", "json", stdout=out
    )
    assert json.loads(out.getvalue()) == [
        {
            "upn": pupil.upn,
            "date": "2025-01-06",
            "session": "AM",
            "deadline": "2025-01-13",
            "overdue": True,
        },
        {
            "upn": pupil.upn,
            "date": "2025-01-15",
            "session": "PM",
            "deadline": "2025-01-22",
            "overdue": False,
        },
    ]


def test_overdue_n_becomes_o_by_the_system_and_a_second_run_changes_nothing_ds_16(school, pupil):
    school.replace_overdue_n_with_o = True
    school.save()
    mark_days(pupil, {dt.date(2025, 1, 6): ("N", "/"), dt.date(2025, 1, 14): "N"})
    with school_scope(school):
        first = overdue_n_replace(school=school, as_of=dt.date(2025, 1, 15))
        second = overdue_n_replace(school=school, as_of=dt.date(2025, 1, 15))
    with scopes_disabled():
        codes = dict(
            Mark.objects.filter(pupil=pupil)
            .values_list("date", "code_id")
            .order_by("date", "session__period")
        )
        amendments = list(
            Amendment.objects.values_list(
                "original_code", "new_code", "amended_by", "amended_by_name"
            )
        )
        sources = set(
            Mark.objects.filter(pupil=pupil, code_id="O").values_list("source", flat=True)
        )
    assert (first, second) == (1, 0)
    assert amendments == [("N", "O", None, "System")]
    assert sources == {"system"}
    assert codes[dt.date(2025, 1, 14)] == "N"  # not yet due


def test_no_n_is_replaced_where_the_school_did_not_choose_it(school, pupil):
    mark_days(pupil, {dt.date(2025, 1, 6): ("N", "/")})
    nightly_absences_at_school(school.pk)
    with scopes_disabled():
        assert Mark.objects.filter(code_id="N").count() == 1
        assert not Amendment.objects.exists()
