"""Writes for letters: templates, letterheads, drafting, rendering, approval (email and
printing: `letters.delivery`).

The API other apps call (escalation, leave requests):

    letter_draft(school=, pupil=, kind=, user=None, cause={...}, requires_approval=True)
    letters_draft(school=, pupils=[...], kind=, ...)      # a batch, all or nothing

Both return the new IssuedLetter rows (one per copy: one per parent, or one for all,
as the school's letterhead settings say) and render them in Celery once the
transaction commits. Letters that need no approval are emailed as soon as they are
rendered; the others wait as drafts for `letters_approve`.

Every change of a letter's state writes its event (`letters.events`) in the same
transaction, and the work it causes (rendering, email) goes through the outbox
(`registers.outbox`), naming the task: this module never imports `letters.tasks`.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from registers import outbox
from registers.models import Pupil, School

from . import context, delivery, events, kinds, printable, rendering, sandbox, selectors
from .kinds import Kind
from .models import IssuedLetter, Letterhead, LetterTemplate, letter_pdf_path

Status = IssuedLetter.Status
Channel = IssuedLetter.Channel

# The Celery task the outbox hands rendering to (letters/tasks.py); idempotent.
RENDER_TASK = "letters.tasks.render_letter"


def _render_later(school_id: int, letter_ids) -> None:
    outbox.enqueue(
        school=school_id,
        work=[
            outbox.Work(RENDER_TASK, {"letter_id": pk}, key=f"letters.render:{pk}")
            for pk in letter_ids
        ],
    )


# ---- Templates ---------------------------------------------------------------------


def _normalise(text: str) -> str:
    # Browsers send CRLF from a textarea; store one kind of line ending.
    return text.replace("\r\n", "\n").strip()


def template_check(*, school: School, kind: str, subject: str, body: str) -> dict[str, list[str]]:
    """Field messages for a wording that cannot be used; empty when it can be saved."""
    allowed = context.documented_paths(kind)
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = ["Give the letter a heading."]
    elif subject_errors := sandbox.template_errors(subject, allowed, context.LISTS):
        errors["subject"] = subject_errors
    if not body.strip():
        errors["body"] = ["The letter needs some wording."]
    elif body_errors := sandbox.template_errors(body, allowed, context.LISTS):
        errors["body"] = body_errors
    if errors:
        return errors
    # A character no font has would refuse every letter: say so now (letters.printable).
    if missing := printable.missing_in(f"{subject}\n{body}"):
        where = {c: "the letter's wording" for c in missing}
        errors["body"] = [str(printable.Unprintable(missing, where))]
        return errors
    # A trial run on sample data catches what only shows when rendering.
    sample = context.sample_context(
        kind=kind, school=school, letterhead=selectors.letterhead_for(school=school)
    )
    try:
        rendering.render_subject(subject, sample)
        sandbox.render(body, sample)
    except Exception as exc:  # any failure here is the wording's, reported to its author
        errors["body"] = [f"The letter could not be produced: {exc}"]
    return errors


def template_save(
    *, school: School, kind: str, subject: str, body: str, show_summary: bool, user
) -> LetterTemplate:
    """Save a new version of a kind's wording (none if nothing changed).

    Raises ValidationError with field messages for a wording that cannot be used, so a
    mistake is found when saving, not when a letter is sent.
    """
    kind = Kind(kind)
    subject, body = _normalise(subject), _normalise(body)
    errors = template_check(school=school, kind=kind, subject=subject, body=body)
    if errors:
        raise ValidationError(errors)
    current = selectors.template_current(school=school, kind=kind)
    if (current.subject, _normalise(current.body), current.show_summary) == (
        subject,
        body,
        show_summary,
    ):
        return current
    template = LetterTemplate(
        school=school,
        kind=kind,
        version=current.version + 1,
        subject=subject,
        body=body,
        show_summary=show_summary,
        created_by=user,
        created_at=timezone.now(),
    )
    template.full_clean(exclude=["school", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise ValidationError(
            "Someone else saved this letter a moment ago. Reload the page to see their version."
        ) from exc
    return template


def _template_for_issue(*, school: School, kind: str) -> LetterTemplate:
    """The saved current version; the built-in wording becomes version 1 when first used."""
    current = selectors.template_current(school=school, kind=kind)
    if current.pk:
        return current
    template, _ = LetterTemplate.objects.get_or_create(
        school=school,
        kind=kind,
        version=1,
        defaults={
            "subject": current.subject,
            "body": current.body,
            "show_summary": current.show_summary,
            "created_at": timezone.now(),
        },
    )
    return template


# ---- Letterhead --------------------------------------------------------------------

LETTERHEAD_FIELDS = (
    "name",
    "address",
    "contact_line",
    "signatory_name",
    "signatory_role",
    "addressing",
    "school_day_hours",
    "la_name",
    "la_address",
    "la_email",
)


def letterhead_save(
    *, school: School, user, values: dict, logo=None, remove_logo: bool = False
) -> Letterhead:
    letterhead = Letterhead.objects.filter(school=school).first() or Letterhead(school=school)
    for name in LETTERHEAD_FIELDS:
        if name in values:
            setattr(letterhead, name, values[name])
    old_logo = letterhead.logo.name if (remove_logo or logo) else ""
    if logo or remove_logo:
        letterhead.logo = logo or None
    letterhead.updated_by = user
    letterhead.updated_at = timezone.now()
    letterhead.full_clean(exclude=["school"])
    letterhead.save()
    if old_logo:
        # Only once the new letterhead is saved (a refused one keeps its logo). Issued
        # letters hold the logo inside their PDFs, so the old file is not needed.
        letterhead.logo.storage.delete(old_logo)
    return letterhead


# ---- Drafting ----------------------------------------------------------------------


def copies(*, kind: str, letterhead: Letterhead, contacts) -> list[list[dict]]:
    """The recipients of each copy of a letter: one list per copy."""
    if kinds.spec(kind).audience == kinds.Audience.LOCAL_AUTHORITY:
        return [[context.recipient_local_authority(letterhead)]]
    people = [context.recipient_from_contact(c) for c in contacts]
    if not people:
        return []
    if letterhead.addressing == Letterhead.Addressing.TOGETHER:
        return [people]
    return [[person] for person in people]


def _channel(recipients: list[dict]) -> str:
    # A copy goes by email only if everyone on it can receive it; otherwise by post.
    return Channel.EMAIL if all(r["email"] for r in recipients) else Channel.POST


def letters_draft(
    *,
    school: School,
    pupils,
    kind: str,
    user=None,
    cause: dict | None = None,
    requires_approval: bool = True,
    as_of: dt.date | None = None,
    role: str = "",
) -> list[IssuedLetter]:
    """Letters of one kind for several pupils: all of them, or (on bad input) none.

    Raises ValidationError for an unknown kind, a bad cause, a pupil of another school
    or a pupil with nobody to write to (messages keyed by pupil id).
    """
    try:
        kind = Kind(kind)
    except ValueError as exc:
        raise ValidationError({"kind": f"{kind!r} is not a kind of letter."}) from exc
    clean_cause = kinds.cause_clean(kind, cause)
    as_of = as_of or timezone.localdate()
    # Each pupil once, in the order given, however often a caller lists them.
    ids = list(dict.fromkeys(p.pk if isinstance(p, Pupil) else int(p) for p in pupils))
    found = {p.pk: p for p in Pupil.objects.filter(school=school, pk__in=ids)}
    letterhead = selectors.letterhead_for(school=school)
    contacts = selectors.parent_contacts(school=school, pupil_ids=found)
    errors, planned = {}, []
    for pid in ids:
        if pid not in found:
            errors[str(pid)] = "Not a pupil of this school."
            continue
        pupil_copies = copies(kind=kind, letterhead=letterhead, contacts=contacts[pid])
        if not pupil_copies:
            errors[str(pid)] = (
                f"{found[pid].display_name} has no contact with parental responsibility to "
                "write to."
            )
        planned += [(pid, recipients) for recipients in pupil_copies]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    status = Status.DRAFT if requires_approval else Status.APPROVED
    with transaction.atomic():
        template = _template_for_issue(school=school, kind=kind)
        letters = [
            IssuedLetter(
                school=school,
                pupil_id=pid,
                kind=kind,
                template=template,
                template_version=template.version,
                as_of=as_of,
                letter_date=timezone.localdate(),
                cause=clean_cause,
                recipients=recipients,
                channel=_channel(recipients),
                status=status,
                created_by=user,
                created_at=now,
                approved_at=None if requires_approval else now,
            )
            for pid, recipients in planned
        ]
        for letter in letters:
            letter.full_clean(
                exclude=["school", "pupil", "template", "created_by"], validate_constraints=False
            )
        IssuedLetter.objects.bulk_create(letters)
        events.letters_drafted(
            letters=letters, user=user, role=role, when=now, approved=not requires_approval
        )
        _render_later(school.pk, [letter.pk for letter in letters])
    return letters


def letter_draft(
    *,
    school: School,
    pupil: Pupil,
    kind: str,
    user=None,
    cause: dict | None = None,
    requires_approval: bool = True,
    as_of: dt.date | None = None,
    role: str = "",
) -> list[IssuedLetter]:
    """One pupil's letter of a kind (a copy per recipient); see `letters_draft`."""
    return letters_draft(
        school=school,
        pupils=[pupil],
        kind=kind,
        user=user,
        cause=cause,
        requires_approval=requires_approval,
        as_of=as_of,
        role=role,
    )


# ---- Rendering ---------------------------------------------------------------------


def _wording(template: LetterTemplate) -> rendering.Wording:
    return rendering.Wording(
        subject=template.subject, body=template.body, show_summary=template.show_summary
    )


def _render_copy(
    *, school, letterhead, template, data, recipients, cause, as_of, letter_date, logo
) -> rendering.Rendered:
    ctx = context.for_letter(
        school=school,
        letterhead=letterhead,
        data=data,
        recipients=recipients,
        cause=cause,
        as_of=as_of,
        letter_date=letter_date,
    )
    return rendering.render(
        kind=template.kind, wording=_wording(template), context=ctx, weeks=data.weeks, logo=logo
    )


def letter_render(*, letter_id: int) -> bool:
    """Render a drafted letter's HTML and PDF once; False if it was already rendered."""
    letter = IssuedLetter.objects.select_related("school", "template").get(pk=letter_id)
    if letter.is_rendered:
        return False
    school = letter.school
    letterhead = selectors.letterhead_for(school=school)
    cause = kinds.cause_clean(letter.kind, letter.cause)
    data = selectors.letter_data(
        school=school,
        pupil_id=letter.pupil_id,
        as_of=letter.as_of,
        window_weeks=cause.get("window_weeks"),
    )
    rendered = _render_copy(
        school=school,
        letterhead=letterhead,
        template=letter.template,
        data=data,
        recipients=letter.recipients,
        cause=cause,
        as_of=letter.as_of,
        letter_date=letter.letter_date,
        logo=selectors.logo_bytes(letterhead),
    )
    storage = IssuedLetter._meta.get_field("pdf").storage
    name = storage.save(
        letter_pdf_path(letter, f"{letter.pk}-{letter.kind}.pdf"), ContentFile(rendered.pdf)
    )
    with transaction.atomic():
        updated = IssuedLetter.objects.filter(pk=letter.pk, sha256="").update(
            subject=rendered.subject[:300],
            html=rendered.html,
            pdf=name,
            sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            page_count=rendered.page_count,
            rendered_at=timezone.now(),
            render_error="",
        )
        if updated and letter.status == Status.APPROVED and letter.channel == Channel.EMAIL:
            delivery.email_hand_over(school.pk, [letter.pk])
    if not updated:  # another worker got there first
        storage.delete(name)
        return False
    return True


def letter_render_failed(*, letter_id: int, error: str) -> None:
    IssuedLetter.objects.filter(pk=letter_id, sha256="").update(render_error=error[:500])


def letter_preview(
    *,
    school: School,
    pupil: Pupil,
    kind: str,
    cause: dict | None = None,
    as_of: dt.date | None = None,
) -> tuple[bytes, int]:
    """The PDF the school's current wording would produce for a pupil, every copy in
    one file. Nothing is saved or sent. Sample values fill cause fields not given."""
    kind = Kind(kind)
    as_of = as_of or timezone.localdate()
    cause = kinds.cause_clean(kind, {**kinds.sample_cause(kind, today=as_of), **(cause or {})})
    letterhead = selectors.letterhead_for(school=school)
    template = selectors.template_current(school=school, kind=kind)
    data = selectors.letter_data(
        school=school, pupil_id=pupil.pk, as_of=as_of, window_weeks=cause.get("window_weeks")
    )
    pupil_copies = copies(kind=kind, letterhead=letterhead, contacts=data.contacts)
    if not pupil_copies:
        raise ValidationError(
            f"{pupil.display_name} has no contact with parental responsibility to write to."
        )
    logo = selectors.logo_bytes(letterhead)
    pdfs = [
        _render_copy(
            school=school,
            letterhead=letterhead,
            template=template,
            data=data,
            recipients=recipients,
            cause=cause,
            as_of=as_of,
            letter_date=as_of,
            logo=logo,
        ).pdf
        for recipients in pupil_copies
    ]
    return rendering.merge_pdfs(pdfs)


def sample_pdf(*, school: School, kind: str, wording: rendering.Wording) -> bytes:
    """A wording printed for the made-up sample pupil (the edit page's PDF preview)."""
    letterhead = selectors.letterhead_for(school=school)
    rendered = rendering.render(
        kind=kind,
        wording=wording,
        context=context.sample_context(kind=kind, school=school, letterhead=letterhead),
        weeks=context.sample_weeks(),
        logo=selectors.logo_bytes(letterhead),
    )
    return rendered.pdf


# ---- Approval and cancelling --------------------------------------------------------


def letters_approve(*, school: School, letter_ids, user, role: str = "") -> int:
    """Approve the given drafts in one transaction; returns how many were approved.

    Only drafts of this school that have been rendered are approved: approving twice,
    or two people approving at once, approves (and emails) each letter once. Email
    copies are held for a few minutes so the approval can be undone, then sent by beat
    or by "Send emails now" (`letters.approval`).
    """
    now = timezone.now()
    with transaction.atomic():
        approved = list(
            IssuedLetter.objects.select_for_update()
            .filter(
                school=school,
                pk__in=list(letter_ids),
                status=Status.DRAFT,
                rendered_at__isnull=False,
            )
            .only("pk", "school", "pupil", "kind", "channel")
            .order_by("pk")  # locks taken in one order: two approvers never deadlock
        )
        ids = [letter.pk for letter in approved]
        IssuedLetter.objects.filter(school=school, pk__in=ids, status=Status.DRAFT).update(
            status=Status.APPROVED, approved_by=user, approved_at=now
        )
        events.letters_approved(letters=approved, user=user, role=role, when=now)
    return len(ids)


def letters_cancel(*, school: School, letter_ids, user, role: str = "") -> int:
    """Withdraw drafts or approved letters that have not gone out; returns the count."""
    now = timezone.now()
    with transaction.atomic():
        cancelled = list(
            IssuedLetter.objects.select_for_update()
            .filter(
                school=school,
                pk__in=list(letter_ids),
                status__in=[Status.DRAFT, Status.APPROVED],
                email_attempts=0,
            )
            .only("pk", "school", "pupil", "kind", "channel")
            .order_by("pk")  # locks taken in one order: two approvers never deadlock
        )
        IssuedLetter.objects.filter(
            school=school,
            pk__in=[letter.pk for letter in cancelled],
            status__in=[Status.DRAFT, Status.APPROVED],
            email_attempts=0,
        ).update(status=Status.CANCELLED, cancelled_by=user, cancelled_at=now)
        events.letters_cancelled(letters=cancelled, user=user, role=role, when=now)
    return len(cancelled)
