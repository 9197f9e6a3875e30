"""Celery tasks for letters. Tasks take ids, never objects; `SchoolTask` enters the
school's tenant scope from `school_id` (there is no request to do it for them).

They are sent by the outbox (`registers.outbox`), which may deliver one twice: each
claims its work with a conditional UPDATE, so a second delivery does nothing.
"""

import logging
import smtplib

from celery import shared_task

from registers.tasks import SchoolTask

from . import approval, delivery, printable, services

log = logging.getLogger(__name__)

# Failures worth trying again later: the mail server, the network.
EMAIL_ERRORS = (smtplib.SMTPException, OSError)


# Outcomes are recorded on the letter itself, so no task result is kept in Redis.
@shared_task(base=SchoolTask, ignore_result=True)
def render_letter(school_id: int, letter_id: int) -> bool:
    try:
        return services.letter_render(letter_id=letter_id)
    except Exception as exc:
        # Recorded on the letter (the approval page shows it) rather than lost in a log.
        log.exception("Letter %s could not be rendered", letter_id)
        services.letter_render_failed(letter_id=letter_id, error=printable.failure_text(exc))
        return False


@shared_task(
    base=SchoolTask,
    bind=True,
    ignore_result=True,
    autoretry_for=EMAIL_ERRORS,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=4,
)
def send_letter_email(self, school_id: int, letter_id: int) -> bool:
    final = self.request.retries >= self.max_retries
    try:
        return delivery.letter_email(letter_id=letter_id, attempt=self.request.retries)
    except EMAIL_ERRORS as exc:
        delivery.letter_email_failed(
            letter_id=letter_id, error=f"{type(exc).__name__}: {exc}", final=final
        )
        if final:
            log.warning("Letter %s: email failed for good, left for printing", letter_id)
            return False
        raise  # autoretry_for schedules the next attempt with backoff


# ---- Held emails (letters.approval): beat runs this every minute ----------------------


@shared_task(base=SchoolTask, school_less=True, ignore_result=True)
def send_held_emails() -> int:
    """Send approved email letters whose undo window is over."""
    return approval.send_due_emails()
