"""Large exports as background work: a person asks for a return or a whole-school table,
a Celery task writes the file (CSV or XLSX) into private storage, the page shows progress
and then the download.

The job's row is the truth (DESIGN.md §2): it is recorded with its outbox work in the
request's transaction; the task moves it from queued to running by a conditional UPDATE,
so a task delivered twice writes the file once; a worker killed mid-run leaves it running,
and the next delivery (acks late) takes it over once it is older than STALE_AFTER.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from registers.models import School, tenant_manager
from registers.outbox import Work, enqueue

from . import exports, returns
from .tables import FORMATS, write_table

STALE_AFTER = timedelta(minutes=10)
LA_TITLES = {
    "unauthorised_10_days": "Pupils with 10 days' unauthorised absence this term",
    "long_illness": "Long illness (30 sessions or more this year)",
    "missing_from_school": "Missing from school (10 school days)",
}


def _day(value: str) -> str:
    try:
        return f"{date.fromisoformat(value):%-d %b %Y}"
    except (TypeError, ValueError):
        return str(value)


# Finished files are kept this long, then removed by the beat clean-up.
KEEP_FOR = timedelta(days=7)


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        ATTENDANCE = "attendance_report", "Attendance of every pupil (attendance_report)"
        CENSUS = "census_return", "Census-style pupil return"
        LA = "la_return", "Local authority return"
        DAILY = "daily_extract", "Daily extract (national data share shape)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"  # recorded; its task is on its way
        RUNNING = "running", "Being written"  # a worker has it (taken over if stale)
        DONE = "done", "Ready to download"  # the file is in private storage
        FAILED = "failed", "Failed"  # the error says why; ask again
        EXPIRED = "expired", "Removed"  # the file was removed after KEEP_FOR

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The filters, as given (ISO dates): {"from", "to"} | {"as_of", "return"} | {"date"}.
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=4, choices=[(f, f.upper()) for f in FORMATS])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    rows = models.PositiveIntegerField(null=True, blank=True)
    # Relative to PRIVATE_STORAGE_ROOT; never under MEDIA_ROOT.
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "requested_by", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.status})"

    @property
    def title(self) -> str:
        """ "Census return, 3 Sep 2026 to 18 Dec 2026" (the page's heading)."""
        p = {k: _day(v) for k, v in self.params.items()}
        if self.kind == self.Kind.LA:
            return f"{LA_TITLES.get(self.params['return'], 'Return')} as of {p['as_of']}"
        if self.kind == self.Kind.DAILY:
            return f"Daily extract for {p['date']}"
        name = "Census return" if self.kind == self.Kind.CENSUS else "Attendance of every pupil"
        return f"{name}, {p['from']} to {p['to']}"

    @property
    def download_name(self) -> str:
        dates = "-".join(v for k, v in sorted(self.params.items()) if k != "return")
        return f"{self.kind.replace('_', '-')}-{dates}.{self.format}"

    @property
    def path(self) -> Path:
        return Path(settings.PRIVATE_STORAGE_ROOT) / self.file_name


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[dict]


def export_table(*, school: School, kind: str, params: dict) -> Table:
    """The rows of one export, from the same functions as the commands."""
    d = {
        k: date.fromisoformat(v) for k, v in params.items() if k in ("from", "to", "as_of", "date")
    }
    if kind == ExportJob.Kind.ATTENDANCE:
        rows = exports.attendance_rows(school=school, start=d["from"], end=d["to"])
        return Table("Attendance", exports.report_columns(), rows)
    if kind == ExportJob.Kind.CENSUS:
        rows = returns.census_rows(school=school, start=d["from"], end=d["to"])
        return Table("Census return", returns.census_columns(), rows)
    if kind == ExportJob.Kind.LA:
        which = params["return"]
        rows = returns.la_rows(school=school, kind=which, as_of=d["as_of"])
        return Table(which, returns.la_columns(which), rows)
    if kind == ExportJob.Kind.DAILY:
        rows = returns.daily_extract_rows(school=school, day=d["date"])
        return Table("Daily extract", list(returns.EXTRACT_COLUMNS), rows)
    raise ValueError(f"{kind!r} is not an export.")


def export_request(*, school: School, user, kind: str, params: dict, fmt: str) -> ExportJob:
    """Record the job and its task in one transaction (the task is sent on commit)."""
    job = ExportJob(
        school=school,
        requested_by=user,
        kind=kind,
        params=params,
        format=fmt,
        created_at=timezone.now(),
    )
    job.full_clean(exclude=["school", "requested_by"])
    with transaction.atomic():
        job.save()
        enqueue(
            school=school,
            work=[Work("reporting.tasks.export_run", {"job_id": job.pk}, f"export:{job.pk}")],
        )
    return job


def export_run(*, school: School, job_id: int, now=None) -> bool:
    """Write one job's file; False when another delivery has it or it is finished."""
    now = now or timezone.now()
    taken = ExportJob.objects.filter(school=school, pk=job_id).filter(
        Q(status=ExportJob.Status.QUEUED)
        | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER)
    )
    if not taken.update(status=ExportJob.Status.RUNNING, started_at=now, progress=10):
        return False
    job = ExportJob.objects.get(school=school, pk=job_id)
    try:
        table = export_table(school=school, kind=job.kind, params=job.params)
        ExportJob.objects.filter(pk=job.pk).update(progress=60, rows=len(table.rows))
        content = write_table(job.format, table.title, table.columns, table.rows)
        name = f"exports/{school.pk}/{uuid.uuid4().hex}.{FORMATS[job.format][1]}"
        target = Path(settings.PRIVATE_STORAGE_ROOT) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except Exception as exc:  # noqa: BLE001  the person sees why, and may ask again
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        return False
    return bool(
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE,
            progress=100,
            file_name=name,
            finished_at=timezone.now(),
        )
    )


def exports_expire(*, school: School, now=None) -> int:
    """Remove finished files older than KEEP_FOR; returns how many were removed."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(
        school=school, status=ExportJob.Status.DONE, finished_at__lt=now - KEEP_FOR
    )
    removed = 0
    for job in old:
        job.path.unlink(missing_ok=True)
        removed += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file_name=""
        )
    return removed
