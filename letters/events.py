"""Letters' events (DESIGN.md §2): one writer per kind, one event per letter, written
with one insert in the transaction that changes the letters' state. The pupil timeline
reads them by pupil; `params` carry the letter's id, kind and channel."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from registers.events import event, register_kinds, save_events

from .models import IssuedLetter


@register_kinds
class LetterEvent(models.TextChoices):
    # Drafted (by a person or by escalation); waits for approval unless it needs none.
    DRAFTED = "letter_drafted", "Letter drafted"
    # Approved by a person: emailed once rendered, or waits for the print batch.
    APPROVED = "letter_approved", "Letter approved"
    # Sent by email (the system, after approval).
    EMAILED = "letter_emailed", "Letter emailed"
    # Email failed for good: the letter waits for the print batch instead.
    EMAIL_FAILED = "letter_email_failed", "Letter email failed"
    # Printed in a batch for the post.
    PRINTED = "letter_printed", "Letter printed"
    # Withdrawn before it went out.
    CANCELLED = "letter_cancelled", "Letter cancelled"


def _letters(
    kind: str,
    letters: list[IssuedLetter],
    *,
    user,
    role: str,
    when: datetime,
    extra: dict | None = None,
) -> list:
    return save_events(
        [
            event(
                school_id=letter.school_id,
                kind=kind,
                user=user,
                role=role,
                when=when,
                pupil_id=letter.pupil_id,
                params={
                    "letter_id": letter.pk,
                    "letter_kind": letter.kind,
                    "channel": letter.channel,
                    **(extra or {}),
                },
            )
            for letter in letters
        ]
    )


def letters_drafted(*, letters, user, role: str = "", when: datetime, approved: bool) -> list:
    return _letters(
        LetterEvent.DRAFTED,
        letters,
        user=user,
        role=role,
        when=when,
        extra={"requires_approval": not approved},
    )


def letters_approved(*, letters, user, role: str = "", when: datetime) -> list:
    return _letters(LetterEvent.APPROVED, letters, user=user, role=role, when=when)


def letter_emailed(*, letter, when: datetime, to: list[str]) -> list:
    return _letters(LetterEvent.EMAILED, [letter], user=None, role="", when=when, extra={"to": to})


def letter_email_failed(*, letter, when: datetime, error: str) -> list:
    return _letters(
        LetterEvent.EMAIL_FAILED, [letter], user=None, role="", when=when, extra={"error": error}
    )


def letters_printed(*, letters, user, role: str = "", when: datetime, batch_id: int) -> list:
    return _letters(
        LetterEvent.PRINTED,
        letters,
        user=user,
        role=role,
        when=when,
        extra={"print_batch_id": batch_id},
    )


def letters_cancelled(*, letters, user, role: str = "", when: datetime) -> list:
    return _letters(LetterEvent.CANCELLED, letters, user=user, role=role, when=when)
