"""Delivery of approved letters: the email hand-over, the email itself, print batches.

Each step leaves its state by a conditional UPDATE, so a task delivered twice (the outbox
may re-send) sends nothing twice (DESIGN.md §2): `email_hand_over` claims a letter by
setting `email_queued_at`, `letter_email` claims each attempt with `email_attempts`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from registers import outbox
from registers.models import School

from . import context, events, rendering, selectors
from .models import IssuedLetter, PrintBatch

Status = IssuedLetter.Status
Channel = IssuedLetter.Channel

# The Celery task the outbox hands an email to (letters/tasks.py); idempotent.
EMAIL_TASK = "letters.tasks.send_letter_email"


def email_hand_over(school_id: int, letter_ids) -> list[int]:
    """Hand approved email letters over to be sent (the outbox, on commit); returns the
    ids handed over. Each letter is handed over once: a conditional UPDATE on
    `email_queued_at` claims it, so two callers racing (beat and "Send emails now") hand it
    over once, and an approval cannot be undone after it."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            IssuedLetter.objects.select_for_update()
            .filter(
                school_id=school_id,
                pk__in=list(letter_ids),
                status=Status.APPROVED,
                channel=Channel.EMAIL,
                email_queued_at__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        IssuedLetter.objects.filter(pk__in=ids, email_queued_at__isnull=True).update(
            email_queued_at=now
        )
        outbox.enqueue(
            school=school_id,
            work=[
                outbox.Work(EMAIL_TASK, {"letter_id": pk}, key=f"letters.email:{pk}") for pk in ids
            ],
        )
    return ids


# ---- Email -------------------------------------------------------------------------


def letter_email(*, letter_id: int, attempt: int) -> bool:
    """Email an approved letter as a PDF attachment; False if there was nothing to do.

    `attempt` is the task's retry count: claiming attempt n+1 with a conditional UPDATE
    means two workers holding the same task never both send it.
    """
    claimed = (
        IssuedLetter.objects.filter(
            pk=letter_id,
            status=Status.APPROVED,
            channel=Channel.EMAIL,
            email_failed_at__isnull=True,
            email_attempts=attempt,
        )
        .exclude(sha256="")
        .update(email_attempts=attempt + 1)
    )
    if not claimed:
        return False
    letter = IssuedLetter.objects.select_related("school", "pupil").get(pk=letter_id)
    letterhead = selectors.letterhead_for(school=letter.school)
    to = [r["email"] for r in letter.recipients if r["email"]]
    body = render_to_string(
        "letters/email/body.txt",
        {
            "letter": letter,
            "addressee": context.addressee(letter.recipients),
            "school_name": letterhead.name or letter.school.name,
            "pupil_forename": letter.pupil.forename,
            "contact": letterhead.contact_line or letter.school.phone or letter.school.email,
        },
    )
    message = EmailMessage(
        subject=letter.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[letter.school.email] if letter.school.email else None,
    )
    with letter.pdf.open("rb") as f:
        name = f"{letter.kind}-{letter.letter_date:%Y-%m-%d}.pdf"
        message.attach(name, f.read(), "application/pdf")
    message.send()
    now = timezone.now()
    with transaction.atomic():
        if IssuedLetter.objects.filter(pk=letter_id, status=Status.APPROVED).update(
            status=Status.EMAILED, emailed_at=now, email_error=""
        ):
            events.letter_emailed(letter=letter, when=now, to=to)
    return True


def letter_email_failed(*, letter_id: int, error: str, final: bool) -> None:
    """Record a failed attempt; after the last one the letter joins the print batch."""
    now = timezone.now()
    error = error[:500] or "The email could not be sent."
    with transaction.atomic():
        failed = IssuedLetter.objects.filter(pk=letter_id, status=Status.APPROVED).update(
            email_error=error, email_failed_at=now if final else None
        )
        if failed and final:
            letter = IssuedLetter.objects.only("pk", "school", "pupil", "kind", "channel").get(
                pk=letter_id
            )
            events.letter_email_failed(letter=letter, when=now, error=error)


# ---- Printing ----------------------------------------------------------------------


def print_batch_create(*, school: School, user, role: str = "") -> PrintBatch:
    """Merge every approved letter waiting for the post into one PDF, in registration
    group then surname order, and mark them printed (one transaction)."""
    now = timezone.now()
    with transaction.atomic():
        letters = list(selectors.awaiting_print(school=school).select_for_update(of=("self",)))
        if not letters:
            raise ValidationError("There are no approved letters waiting to be printed.")
        files = []
        for letter in letters:
            with letter.pdf.open("rb") as f:
                files.append(f.read())
        data, pages = rendering.merge_pdfs(files)
        batch = PrintBatch(
            school=school,
            sha256=hashlib.sha256(data).hexdigest(),
            letter_count=len(letters),
            page_count=pages,
            created_by=user,
            created_at=now,
        )
        batch.pdf.save(f"print-{now:%Y%m%d-%H%M%S}.pdf", ContentFile(data), save=False)
        batch.full_clean(exclude=["school", "created_by"])
        batch.save()
        IssuedLetter.objects.filter(
            school=school, pk__in=[letter.pk for letter in letters], status=Status.APPROVED
        ).update(status=Status.PRINTED, printed_at=now, print_batch=batch)
        events.letters_printed(letters=letters, user=user, role=role, when=now, batch_id=batch.pk)
    return batch
