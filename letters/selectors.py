"""Reads for letters: current templates, letterheads, the data behind a letter, lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf

from registers import stats
from registers.models import Contact, Membership, Pupil, Role, School
from registers.schooldays import academic_year_start, recent_school_weeks_start

from . import kinds
from .models import IssuedLetter, Letterhead, LetterTemplate, PrintBatch

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "letters" / "defaults"


@cache
def default_body(kind: str) -> str:
    return (DEFAULTS_DIR / f"{kinds.Kind(kind)}.html").read_text(encoding="utf-8")


def default_template(*, school: School, kind: str) -> LetterTemplate:
    """The built-in wording, unsaved (version 0 until a letter or an edit saves it)."""
    spec = kinds.spec(kind)
    return LetterTemplate(
        school=school,
        kind=kind,
        version=0,
        subject=spec.subject,
        body=default_body(kind),
        show_summary=spec.show_summary,
    )


def template_current(*, school: School, kind: str) -> LetterTemplate:
    saved = (
        LetterTemplate.objects.filter(school=school, kind=kind)
        .select_related("created_by")
        .order_by("-version")
        .first()
    )
    return saved or default_template(school=school, kind=kind)


def templates_current(*, school: School) -> dict[str, LetterTemplate]:
    """Every kind's current template, in the order of `Kind` (one query)."""
    saved: dict[str, LetterTemplate] = {}
    versions = (
        LetterTemplate.objects.filter(school=school)
        .select_related("created_by")
        .defer("body")
        .order_by("kind", "-version")
    )
    for t in versions:
        saved.setdefault(t.kind, t)
    return {
        kind: saved.get(kind) or default_template(school=school, kind=kind)
        for kind in kinds.Kind.values
    }


def template_versions(*, school: School, kind: str):
    return (
        LetterTemplate.objects.filter(school=school, kind=kind)
        .select_related("created_by")
        .order_by("-version")
    )


def letterhead_for(*, school: School) -> Letterhead:
    """The school's letterhead, or an unsaved one with sensible defaults: signed by the
    headteacher, at the school's address."""
    saved = Letterhead.objects.filter(school=school).first()
    if saved:
        return saved
    head = (
        Membership.objects.filter(school=school, role=Role.HEADTEACHER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return Letterhead(
        school=school,
        address=school.address,
        signatory_name=head.user.get_full_name() if head else "",
        signatory_role="Headteacher",
    )


def logo_bytes(letterhead: Letterhead) -> bytes | None:
    if not letterhead.logo:
        return None
    with letterhead.logo.open("rb") as f:
        return f.read()


def parent_contacts(*, school: School, pupil_ids) -> dict[int, list[Contact]]:
    """Contacts with parental responsibility by pupil, in priority order (one query)."""
    by_pupil: dict[int, list[Contact]] = {pid: [] for pid in pupil_ids}
    for contact in Contact.objects.filter(
        school=school, pupil_id__in=list(pupil_ids), parental_responsibility=True
    ).order_by("pupil_id", "priority", "id"):
        by_pupil[contact.pupil_id].append(contact)
    return by_pupil


@dataclass
class LetterData:
    """Everything a letter says about one pupil, read at once."""

    pupil: Pupil
    contacts: list[Contact]
    # The first day counted: the start of the academic year, or the day the pupil
    # joined if later (so a letter never says "since September" of a November joiner).
    start: dt.date
    summary: stats.Summary
    weeks: list[dict]
    recent: stats.Summary | None
    recent_start: dt.date | None


def letter_data(
    *, school: School, pupil_id: int, as_of: dt.date, window_weeks: int | None = None
) -> LetterData:
    pupil = Pupil.objects.select_related("registration_group").get(school=school, pk=pupil_id)
    start = max(academic_year_start(school=school, day=as_of), pupil.on_roll_from)
    summary = stats.summarise(school=school, start=start, end=as_of, pupils=[pupil.pk])
    recent, recent_start = None, None
    if window_weeks:
        recent_start = recent_school_weeks_start(school=school, as_of=as_of, count=window_weeks)
        if recent_start:
            recent_start = max(recent_start, pupil.on_roll_from)
            recent = stats.summarise(
                school=school, start=recent_start, end=as_of, pupils=[pupil.pk]
            )[pupil.pk]
    return LetterData(
        pupil=pupil,
        contacts=parent_contacts(school=school, pupil_ids=[pupil.pk])[pupil.pk],
        start=start,
        summary=summary[pupil.pk],
        weeks=stats.weekly(school=school, pupil=pupil, start=start, end=as_of),
        recent=recent,
        recent_start=recent_start,
    )


# ---- Lists -------------------------------------------------------------------------


def _by_group_then_surname(letters):
    """Registration group, then surname: the order letters are printed and approved in."""

    def preferred(name):
        return Coalesce(NullIf(f"pupil__preferred_{name}", Value("")), f"pupil__legal_{name}")

    return letters.annotate(
        sort_surname=preferred("surname"), sort_forename=preferred("forename")
    ).order_by(
        F("pupil__registration_group__name").asc(nulls_last=True),
        "sort_surname",
        "sort_forename",
        "pupil_id",
        "id",
    )


def _listed(letters):
    # Lists never show the stored HTML, which is most of a letter's row.
    return letters.select_related("pupil", "pupil__registration_group").defer("html")


def letters_for_pupil(*, school: School, pupil: Pupil):
    return (
        IssuedLetter.objects.filter(school=school, pupil=pupil)
        .select_related("approved_by")
        .defer("html")
    )


def drafts(*, school: School):
    qs = IssuedLetter.objects.filter(school=school, status=IssuedLetter.Status.DRAFT)
    return _by_group_then_surname(_listed(qs))


def awaiting_print(*, school: School):
    """Approved letters to post: post letters, and emails that failed for good."""
    qs = IssuedLetter.objects.filter(
        Q(channel=IssuedLetter.Channel.POST) | Q(email_failed_at__isnull=False),
        school=school,
        status=IssuedLetter.Status.APPROVED,
        rendered_at__isnull=False,
    )
    return _by_group_then_surname(_listed(qs))


def print_batches(*, school: School):
    return PrintBatch.objects.filter(school=school).select_related("created_by")


def status_counts(*, school: School) -> dict[str, int]:
    counts = dict(
        IssuedLetter.objects.filter(school=school)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {status: counts.get(status, 0) for status in IssuedLetter.Status.values}


def recent_letters(*, school: School, limit: int = 20):
    return _listed(IssuedLetter.objects.filter(school=school))[:limit]


# ---- Look before sending -------------------------------------------------------------

INDICATOR_LABELS = {
    "persistent_absence": "Persistent absence",
    "severe_absence": "Severe absence",
    "penalty_threshold": "Penalty notice threshold",
    "missing_from_school": "Missing from school",
    "deletion_review": "Deletion review",
    "long_illness": "Long illness",
}


@dataclass
class Figures:
    """A pupil's figures as a letter will state them, and whether its kind fits them."""

    summary: stats.Summary
    indicators: list[str]
    # Why the letter's kind does not fit the figures ("" when it does): `kinds.misfit`.
    warning: str

    @property
    def attendance_pct(self):
        return self.summary.attendance_pct

    @property
    def sessions_missed(self) -> int:
        return self.summary.absent


def figures_for(
    *, school: School, pupil_ids, as_of: dt.date, kind: str | None = None, causes=None
) -> dict[int, Figures]:
    """Figures for the academic year up to `as_of` for each pupil: attendance %, sessions
    missed, the indicators of DESIGN.md §6 (labels) and, for a `kind`, why it does not
    fit. The same queries for any number of pupils (a summary and `stats.indicators`).
    `causes` maps pupil id to the letter's details (for kinds that compare with them)."""
    ids = list(dict.fromkeys(pupil_ids))
    if not ids:
        return {}
    start = academic_year_start(school=school, day=as_of)
    summaries = stats.summarise(school=school, start=start, end=as_of, pupils=ids)
    held = stats.indicators(school=school, as_of=as_of, pupils=ids)
    target = school.attendance_target
    return {
        pid: Figures(
            summary=summaries[pid],
            indicators=[INDICATOR_LABELS.get(key, key) for key in held.get(pid, [])],
            warning=kinds.misfit(
                kind, summary=summaries[pid], target=target, cause=(causes or {}).get(pid)
            )
            if kind
            else "",
        )
        for pid in ids
    }


def drafts_with_figures(*, school: School) -> list[tuple[IssuedLetter, Figures]]:
    """The drafts in approval order, each with its pupil's figures as of the letter's own
    date and its kind checked against them. Queries: the drafts, then the figures once per
    distinct letter date (drafts made the same day share one), never per pupil."""
    letters = list(drafts(school=school))
    by_day: dict[dt.date, list[IssuedLetter]] = {}
    for letter in letters:
        by_day.setdefault(letter.as_of, []).append(letter)
    figures: dict[int, Figures] = {}
    for day, day_letters in by_day.items():
        plain = figures_for(school=school, pupil_ids=[x.pupil_id for x in day_letters], as_of=day)
        for letter in day_letters:
            base = plain[letter.pupil_id]
            warning = kinds.misfit(
                letter.kind,
                summary=base.summary,
                target=school.attendance_target,
                cause=kinds.cause_clean(letter.kind, letter.cause),
            )
            figures[letter.pk] = Figures(
                summary=base.summary, indicators=base.indicators, warning=warning
            )
    return [(letter, figures[letter.pk]) for letter in letters]


def undoable(*, school: School, letter_ids=None):
    """Approved letters that have not gone out: not handed to the mail server, not failed
    for good, not in a print batch (all of the school's, or those of `letter_ids`). Undo
    and "send now" act on these only."""
    letters = IssuedLetter.objects.filter(
        school=school,
        status=IssuedLetter.Status.APPROVED,
        email_attempts=0,
        email_queued_at__isnull=True,
        email_failed_at__isnull=True,
        print_batch__isnull=True,
    )
    return letters if letter_ids is None else letters.filter(pk__in=list(letter_ids))


def held_letters(*, school: School) -> list[IssuedLetter]:
    """Every approved letter of the school that has not gone out yet, newest approval
    first, for whoever approves letters (not only the person who approved them: they may
    have signed out). One query."""
    return list(
        _listed(undoable(school=school))
        .select_related("approved_by")
        .order_by("-approved_at", "pk")
    )
