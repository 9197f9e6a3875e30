"""Reporting's background work (Celery): large exports, and removing old export files."""

from celery import shared_task

from registers.models import School
from registers.tasks import SchoolTask
from registers.tenancy import school_scope

from . import export_jobs


@shared_task(base=SchoolTask, ignore_result=True, acks_late=True)
def export_run(*, school_id: int, job_id: int) -> None:
    """Write one export's file (reporting.export_jobs; safe to deliver twice)."""
    export_jobs.export_run(school=School.objects.get(pk=school_id), job_id=job_id)


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def exports_expire_everywhere() -> None:
    """Beat (CELERY_BEAT_SCHEDULE): remove each school's export files after a week."""
    for school_id in School.objects.values_list("pk", flat=True):
        with school_scope(school_id):
            export_jobs.exports_expire(school=School.objects.get(pk=school_id))
