"""Look before sending: approving in bulk is confirmed, held for a few minutes, undoable.

Approving letters (`services.letters_approve`) no longer emails them at once. An approved
email letter is handed to the mail server by beat (`tasks.send_held_emails`, every
minute) once it has been approved for `hold()` (10 minutes unless the setting
LETTERS_EMAIL_HOLD_MINUTES says otherwise), or straight away when the approver presses
"Send emails now". Until then "Undo" returns it to the drafts. Letters waiting for the
post can be undone until a print batch takes them.

The deadline lives in the database (`approved_at`), never in a Celery ETA (DESIGN.md §2),
and every step is a conditional UPDATE on the letter's status and `email_attempts`: an
undo and a send racing each other leave the letter either sent or a draft, never both
(`delivery.email_hand_over` claims an approved letter by setting `email_queued_at`, and
`delivery.letter_email` claims the send with `email_attempts=0 -> 1`; undo moves only an
approved letter not yet handed over).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from registers.models import School
from registers.tenancy import all_schools, school_scope

from . import delivery, selectors
from .kinds import Kind
from .models import IssuedLetter

Status = IssuedLetter.Status
Channel = IssuedLetter.Channel


def hold() -> dt.timedelta:
    """How long an approved email letter waits before it is sent (undo is possible)."""
    return dt.timedelta(minutes=getattr(settings, "LETTERS_EMAIL_HOLD_MINUTES", 10))


def sent_automatically() -> bool:
    """False when tasks run in-process (`make run`): no beat runs to send held emails, so
    they go only when someone presses "Send emails now"."""
    return not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


@dataclass
class Batch:
    """What a bulk approval is about to do, for the confirmation page."""

    count: int
    by_kind: list[tuple[str, int]]  # (kind's label, how many), most first
    by_email: int
    by_post: int
    warnings: int  # how many do not fit the pupil's figures


def batch(letters_with_figures) -> Batch:
    kinds = Counter(Kind(letter.kind).label for letter, _figures in letters_with_figures)
    channels = Counter(letter.channel for letter, _figures in letters_with_figures)
    return Batch(
        count=len(letters_with_figures),
        by_kind=kinds.most_common(),
        by_email=channels[Channel.EMAIL],
        by_post=channels[Channel.POST],
        warnings=sum(1 for _letter, figures in letters_with_figures if figures.warning),
    )


def letters_unapprove(*, school: School, letter_ids) -> int:
    """Return approved letters that have not gone out (not emailed, not printed) to the
    drafts; returns how many. One already handed to the mail server stays approved."""
    return selectors.undoable(school=school, letter_ids=letter_ids).update(
        status=Status.DRAFT, approved_by=None, approved_at=None
    )


def letters_send_now(*, school: School, letter_ids) -> int:
    """Hand approved, unsent email letters to the mail server now;
    returns how many. Recorded in the outbox in this transaction and sent on commit;
    sending twice sends once (`delivery.email_hand_over` claims each letter)."""
    ids = list(
        selectors.undoable(school=school, letter_ids=letter_ids)
        .filter(channel=Channel.EMAIL)
        .exclude(sha256="")
        .values_list("pk", flat=True)
    )
    return len(delivery.email_hand_over(school.pk, ids))


def emails_due(*, now: dt.datetime | None = None) -> dict[int, list[int]]:
    """Approved email letters whose hold is over and that nobody has sent yet, by school
    id (every school: beat runs outside any one school's scope). One query."""
    cutoff = (now or timezone.now()) - hold()
    due: dict[int, list[int]] = {}
    with all_schools():
        rows = (
            IssuedLetter.objects.filter(
                status=Status.APPROVED,
                channel=Channel.EMAIL,
                email_attempts=0,
                email_queued_at__isnull=True,
                email_failed_at__isnull=True,
                approved_at__lte=cutoff,
            )
            .exclude(sha256="")
            .order_by("school_id", "pk")
            .values_list("school_id", "pk")
        )
        for school_id, pk in rows:
            due.setdefault(school_id, []).append(pk)
    return due


def send_due_emails(*, now: dt.datetime | None = None) -> int:
    """Queue an email task for every letter whose hold is over; returns how many."""
    due = emails_due(now=now)
    for school_id, ids in due.items():
        with school_scope(school_id):
            delivery.email_hand_over(school_id, ids)
    return sum(len(ids) for ids in due.values())
