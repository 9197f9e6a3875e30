"""Background work a change causes: recorded in the change's transaction, handed to
Celery once it commits, and handed again by beat if that did not happen (DESIGN.md §2).

    outbox.enqueue(school=school, work=[Work("letters.render_letter", {"letter_id": 7},
                                             key="letters.render:7")])

writes one `OutboxTask` row per piece of work (one insert) and, on commit, sends them
(`dispatch`). Each task receives its kwargs plus `school_id`. A row whose hand-over was
lost (Redis down, the process killed between commit and send) is sent again by the beat
task `registers.outbox.redispatch` after `REDISPATCH_AFTER`. Delivery is therefore at
least once: every task named here must be idempotent (a conditional UPDATE claims the
work, so a second delivery finds nothing to do).

The app that owns a task names it by its Celery name, so the service that records the
work never imports the tasks module (which imports the services).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from celery import current_app, shared_task
from celery.exceptions import Retry
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import OutboxTask
from .tenancy import all_schools, school_scope

log = logging.getLogger(__name__)

# Long enough that the commit's own hand-over has happened, short enough that a lost
# one is noticed within the minute beat runs.
REDISPATCH_AFTER = timedelta(minutes=1)
# Sent rows are kept a while for the audit of what ran, then dropped: the outbox is a
# queue, not a record (the events are the record).
KEEP_SENT = timedelta(days=30)
REDISPATCH_BATCH = 500


@dataclass(frozen=True)
class Work:
    """A Celery task (by its registered name) with its keyword arguments, and a key
    naming this piece of work: recording a key the school already has does nothing."""

    task: str
    kwargs: dict = field(default_factory=dict)
    key: str = ""


def enqueue(*, school, work: list[Work]) -> None:
    """Record the work in the current transaction and send it once that commits.

    One insert for any amount of work. A key already recorded is skipped (the work is
    already on its way), so recording the same work twice sends it once.
    """
    if not work:
        return
    school_id = school if isinstance(school, int) else school.pk
    now = timezone.now()
    rows = [
        OutboxTask(
            school_id=school_id,
            task=w.task,
            kwargs={**w.kwargs, "school_id": school_id},
            key=w.key or f"{w.task}:{uuid.uuid4().hex}",
            created_at=now,
        )
        for w in work
    ]
    OutboxTask.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(partial(dispatch, school_id, [row.key for row in rows]))


def dispatch(school_id: int, keys: list[str]) -> int:
    """Send the school's not-yet-sent work with these keys; returns how many were sent."""
    with school_scope(school_id):
        rows = list(
            OutboxTask.objects.filter(
                school_id=school_id, key__in=keys, dispatched_at__isnull=True
            ).order_by("pk")
        )
        return _send(rows)


def _send(rows: list[OutboxTask]) -> int:
    """Hand each row to Celery, then mark those handed over with one conditional UPDATE
    (a row sent meanwhile by someone else keeps its first time). Stops at the first
    broker failure: the rest wait for beat."""
    sent = []
    for row in rows:
        try:
            _apply(row)
        except Retry:
            # Only when tasks run in-process (eager, the demo): the task ran, failed and
            # recorded its failure; there is no worker to retry it later.
            sent.append(row.pk)
        except OperationalError as exc:
            log.warning("Broker unavailable; %s waits for the next redispatch", row.key)
            _failed(row, exc)
            break
        except Exception as exc:  # an eager task's own error: recorded, sent again later
            log.exception("Task %s failed when sent in-process", row.key)
            _failed(row, exc)
        else:
            sent.append(row.pk)
    if sent:
        OutboxTask.objects.filter(pk__in=sent, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1
        )
    return len(sent)


def _apply(row: OutboxTask) -> None:
    if row.task not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported on first need.
        current_app.loader.import_default_modules()
    task = current_app.tasks.get(row.task)
    if task is None:  # known to the workers only
        current_app.send_task(row.task, kwargs=row.kwargs)
    else:
        task.apply_async(kwargs=row.kwargs)


def _failed(row: OutboxTask, exc: Exception) -> None:
    OutboxTask.objects.filter(pk=row.pk, dispatched_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
    )


def redispatch(*, older_than: timedelta = REDISPATCH_AFTER) -> int:
    """Send again every school's work recorded more than `older_than` ago and still not
    handed over, oldest first, school by school; drop rows sent long ago. Returns how
    many were sent."""
    now = timezone.now()
    with all_schools():  # the one job that looks across schools, to find their work
        schools = list(
            OutboxTask.objects.filter(dispatched_at__isnull=True, created_at__lt=now - older_than)
            .values_list("school_id", flat=True)
            .distinct()
            .order_by("school_id")
        )
        OutboxTask.objects.filter(dispatched_at__lt=now - KEEP_SENT).delete()
    sent = 0
    for school_id in schools:
        with school_scope(school_id):
            rows = list(
                OutboxTask.objects.filter(
                    school_id=school_id,
                    dispatched_at__isnull=True,
                    created_at__lt=now - older_than,
                ).order_by("created_at", "pk")[:REDISPATCH_BATCH]
            )
            sent += _send(rows)
    return sent


@shared_task(name="registers.outbox.redispatch", ignore_result=True)
def redispatch_task() -> int:
    """Beat, every minute (settings.CELERY_BEAT_SCHEDULE)."""
    return redispatch()
