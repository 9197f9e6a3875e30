"""Celery tasks enter their school's tenant scope through `SchoolTask` (DESIGN.md §3).

The test body runs with scopes on and no school selected, as a worker does."""

import pytest
from celery import shared_task
from django_scopes import ScopeError

from registers.models import Pupil
from registers.tasks import SchoolTask
from tests.factories import PupilFactory


@shared_task(base=SchoolTask)
def upns_at(school_id: int) -> list[str]:
    """A task body that does nothing about scopes itself."""
    return sorted(Pupil.objects.values_list("upn", flat=True))


@shared_task(base=SchoolTask, bind=True)
def upns_at_bound(self, note: str, *, school_id: int) -> list[str]:
    return sorted(Pupil.objects.values_list("upn", flat=True))


@shared_task(base=SchoolTask, school_less=True)
def across_schools() -> int:
    return Pupil.objects.count()


def test_a_task_sees_the_school_of_its_school_id_argument_and_no_other(school, other_school):
    mine = PupilFactory(school=school)
    PupilFactory(school=other_school)
    assert upns_at.delay(school.pk).get() == [mine.upn]
    assert upns_at.delay(school_id=school.pk).get() == [mine.upn]


def test_a_bound_task_takes_its_school_id_by_keyword(school, other_school):
    mine = PupilFactory(school=school)
    PupilFactory(school=other_school)
    assert upns_at_bound.delay("hello", school_id=school.pk).get() == [mine.upn]


def test_the_same_query_outside_a_task_raises_for_want_of_a_school(school):
    PupilFactory(school=school)
    with pytest.raises(ScopeError):
        upns_at.run(school.pk)  # the body alone, without the base's __call__


@pytest.mark.parametrize("args", [(), (None,), ("1",), (True,)])
def test_a_school_task_without_a_school_id_refuses_to_run(db, args):
    with pytest.raises(TypeError, match="school_id"):
        upns_at.delay(*args).get()


def test_a_school_less_task_gets_no_school_and_cannot_read_tenant_rows(school):
    PupilFactory(school=school)
    with pytest.raises(ScopeError):
        across_schools.delay().get()
