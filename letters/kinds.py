"""The kinds of letter, and what the case or request behind each one tells the letter.

A caller (escalation, leave requests, staff drafting by hand) passes a `cause` dict with
the fields listed for the kind; they appear in templates as `{{ cause.<name> }}`. Dates
may be given as `date` objects or ISO strings: they are stored as JSON on the issued
letter and turned back into dates when it is rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models


class Kind(models.TextChoices):
    STAGE_1 = "stage_1", "Attendance concern: stage 1"
    STAGE_2 = "stage_2", "Attendance concern: stage 2"
    STAGE_3 = "stage_3", "Attendance concern: stage 3 (warning)"
    IMPROVEMENT = "improvement", "Improved attendance: congratulations"
    LATENESS_1 = "lateness_1", "Lateness: first letter"
    LATENESS_2 = "lateness_2", "Lateness: second letter (meeting)"
    PERSISTENT_ABSENCE = "persistent_absence", "Persistent absence"
    # DSAT's optional letter for the yellow band (DS-22); the escalation presets use it.
    TRAFFIC_YELLOW = "traffic_yellow", "Traffic light: yellow"
    TRAFFIC_AMBER = "traffic_amber", "Traffic light: amber"
    TRAFFIC_RED = "traffic_red", "Traffic light: red"
    LEAVE_GRANTED = "leave_granted", "Leave of absence: granted"
    LEAVE_PARTLY_GRANTED = "leave_partly_granted", "Leave of absence: partly granted"
    LEAVE_REFUSED = "leave_refused", "Leave of absence: refused"
    NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
    PENALTY_WARNING = "penalty_warning", "Penalty notice warning"
    MEETING_INVITATION = "meeting_invitation", "Invitation to an attendance meeting"
    CERTIFICATE_100 = "certificate_100", "100% attendance certificate"
    MISSING_FROM_SCHOOL = (
        "missing_from_school",
        "Missing from school: notice to the local authority",
    )


class Audience(models.TextChoices):
    PARENTS = "parents", "Parents and carers with parental responsibility"
    LOCAL_AUTHORITY = "local_authority", "The local authority"


@dataclass(frozen=True)
class CauseField:
    name: str
    kind: str  # "date", "time", "text" or "number"
    help: str
    # A value, or a function of the letter's date giving one (sample dates stay current).
    sample: object
    required: bool = True
    # Numbers only: the smallest and largest allowed, and whether it must be whole.
    low: int | None = None
    high: int | None = None
    whole: bool = False


@dataclass(frozen=True)
class KindSpec:
    subject: str
    show_summary: bool = True
    audience: str = Audience.PARENTS
    cause: tuple[CauseField, ...] = field(default_factory=tuple)


def _weekday(days: int):
    """A sample date `days` from the letter's date, moved off a weekend."""

    def sample(today: dt.date) -> dt.date:
        day = today + dt.timedelta(days=days)
        if day.weekday() >= 5:
            day += dt.timedelta(days=7 - day.weekday() if days >= 0 else 4 - day.weekday())
        return day

    return sample


def _monday(days: int, plus: int = 0):
    """A sample date: the Monday on or after `days` from the letter's date, plus `plus`."""

    def sample(today: dt.date) -> dt.date:
        day = today + dt.timedelta(days=days)
        return day + dt.timedelta(days=(7 - day.weekday()) % 7 + plus)

    return sample


def _f(name, kind, help_text, sample, required=True, **limits):
    return CauseField(
        name=name, kind=kind, help=help_text, sample=sample, required=required, **limits
    )


def _percent(name, help_text, sample, required=False):
    return _f(name, "number", help_text, sample, required, low=0, high=100)


def _count(name, help_text, sample, required=True, high=None):
    return _f(name, "number", help_text, sample, required, low=1, high=high, whole=True)


_REVIEW = _f("review_date", "date", "When attendance will next be reviewed", _weekday(42), False)
_MEETING = (
    _f("meeting_date", "date", "Day of the meeting", _weekday(10)),
    _f("meeting_time", "time", "Time of the meeting", dt.time(15, 30)),
    _f("meeting_place", "text", "Where the meeting is", "the school office"),
)
_OPTIONAL_MEETING = tuple(
    replace(f, help=f.help + " (if one is arranged)", required=False) for f in _MEETING
)
_LEAVE = (
    _f("leave_from", "date", "First day of the leave asked for", _monday(28)),
    _f("leave_to", "date", "Last day of the leave asked for", _monday(28, plus=4)),
    _count("school_days", "School days the request covers", 5),
    _f("decision_note", "text", "The headteacher's reasons, in a sentence", "", False),
    # The penalty-notice warning is for a holiday only (not, say, a bereavement).
    _f("holiday", "text", "'yes' when the leave asked for was a holiday", "yes", False),
)
_WINDOW = _count(
    "window_weeks", "How many recent school weeks the `recent` figures cover (e.g. 6)", 6, high=52
)

SPECS: dict[str, KindSpec] = {
    Kind.STAGE_1: KindSpec(subject="{{ pupil.forename }}'s attendance", cause=(_REVIEW,)),
    Kind.STAGE_2: KindSpec(
        subject="{{ pupil.forename }}'s attendance: following up our phone call",
        cause=(
            _f("call_date", "date", "When we spoke on the phone", _weekday(-4), False),
            _percent("target_pct", "The attendance target agreed, in %", 95),
            _REVIEW,
        ),
    ),
    Kind.STAGE_3: KindSpec(
        subject="Formal warning: {{ pupil.forename }}'s attendance",
        cause=(
            _f("meeting_date", "date", "When the meeting was", _weekday(-8), False),
            _REVIEW,
        ),
    ),
    Kind.IMPROVEMENT: KindSpec(
        subject="Well done, {{ pupil.forename }}!",
        cause=(_percent("previous_pct", "Attendance % at the last review", Decimal("88.5")),),
    ),
    Kind.LATENESS_1: KindSpec(subject="{{ pupil.forename }} arriving late to school"),
    Kind.LATENESS_2: KindSpec(
        subject="{{ pupil.forename }}'s lateness: please come to a meeting", cause=_MEETING
    ),
    Kind.PERSISTENT_ABSENCE: KindSpec(
        subject="{{ pupil.forename }}'s attendance: persistent absence",
        cause=(_f("period", "text", "Which period this covers", "this academic year", False),),
    ),
    Kind.TRAFFIC_YELLOW: KindSpec(
        subject="{{ pupil.forename }}'s attendance over recent weeks", cause=(_WINDOW,)
    ),
    Kind.TRAFFIC_AMBER: KindSpec(
        subject="{{ pupil.forename }}'s attendance over recent weeks", cause=(_WINDOW,)
    ),
    Kind.TRAFFIC_RED: KindSpec(
        subject="Serious concern about {{ pupil.forename }}'s attendance",
        cause=(_WINDOW, *_OPTIONAL_MEETING),
    ),
    Kind.LEAVE_GRANTED: KindSpec(
        subject="Your request for leave of absence: granted", show_summary=False, cause=_LEAVE
    ),
    Kind.LEAVE_PARTLY_GRANTED: KindSpec(
        subject="Your request for leave of absence: partly granted",
        show_summary=False,
        cause=(
            *_LEAVE,
            _f("granted_from", "date", "First day of the leave granted", _monday(28)),
            _f("granted_to", "date", "Last day of the leave granted", _monday(28, plus=1)),
            # Half days: "afternoon" when the leave granted starts after the morning of
            # its first day, "morning" when it ends before the afternoon of its last.
            _f("granted_starts", "text", "'afternoon' if granted from the afternoon", "", False),
            _f("granted_ends", "text", "'morning' if granted until the morning only", "", False),
        ),
    ),
    Kind.LEAVE_REFUSED: KindSpec(
        subject="Your request for leave of absence: not granted", cause=_LEAVE
    ),
    Kind.NOTICE_TO_IMPROVE: KindSpec(
        subject="Notice to improve: {{ pupil.forename }}'s attendance",
        cause=(
            _f("improvement_from", "date", "Start of the improvement period", _monday(3)),
            _f("improvement_to", "date", "End of the improvement period", _monday(3, plus=39)),
            _percent("target_pct", "The attendance expected, in %", 95),
        ),
    ),
    Kind.PENALTY_WARNING: KindSpec(
        subject="Warning: a penalty notice may be issued",
        cause=(
            _count(
                "clean_days",
                "School days without unauthorised absence that avoid a notice",
                15,
                required=False,
            ),
        ),
    ),
    Kind.MEETING_INVITATION: KindSpec(
        subject="Invitation to a meeting about {{ pupil.forename }}'s attendance",
        cause=(
            *_MEETING,
            _f("with_whom", "text", "Who will be at the meeting", "the attendance lead", False),
        ),
    ),
    Kind.CERTIFICATE_100: KindSpec(
        subject="Certificate of 100% attendance",
        show_summary=False,
        # The figures count from the start of the year, so the sample says so too.
        cause=(_f("period", "text", "The period celebrated", "so far this year", False),),
    ),
    Kind.MISSING_FROM_SCHOOL: KindSpec(
        subject="Pupil missing from education: {{ pupil.full_name }} ({{ pupil.upn }})",
        audience=Audience.LOCAL_AUTHORITY,
        cause=(
            _f("last_attended", "date", "Last day in school", _weekday(-14), False),
            _f(
                "enquiries",
                "text",
                "What the school has done to find the pupil",
                "Telephone calls to all contacts on three days and a home visit.",
                False,
            ),
        ),
    ),
}


def spec(kind: str) -> KindSpec:
    return SPECS[Kind(kind)]


def sample_cause(kind: str, *, today: dt.date) -> dict:
    """Made-up details for previews; dates are set around the letter's date."""
    return {f.name: f.sample(today) if callable(f.sample) else f.sample for f in spec(kind).cause}


def _coerce(f: CauseField, value):
    if value in (None, ""):
        return None
    if f.kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if f.kind == "time":
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
    if f.kind == "number":
        number = Decimal(str(value))
        if not number.is_finite() or abs(number) >= 1_000_000:  # NaN, Infinity, 1E+999999
            raise ValueError(value)
        return int(number) if number == number.to_integral_value() else number
    return str(value).strip()


# Pairs of dates that make a period: the last day cannot come before the first.
_PERIODS = (
    ("leave_from", "leave_to"),
    ("granted_from", "granted_to"),
    ("improvement_from", "improvement_to"),
)


def _out_of_range(f: CauseField, value) -> str | None:
    if f.kind != "number":
        return None
    if f.whole and not isinstance(value, int):
        return "enter a whole number."
    if f.low is not None and value < f.low:
        return f"enter {f.low} or more."
    if f.high is not None and value > f.high:
        return f"enter {f.high} or less."
    return None


def cause_clean(kind: str, cause: dict | None) -> dict:
    """The cause with every field of the kind present (None when not given) and typed.

    Raises ValidationError (messages keyed by field) for a missing required field, a
    value of the wrong type or out of range, a period that ends before it starts, or a
    field the kind does not know.
    """
    cause = dict(cause or {})
    fields = {f.name: f for f in spec(kind).cause}
    errors = {name: "This letter does not use this detail." for name in cause if name not in fields}
    clean = {}
    for name, f in fields.items():
        try:
            clean[name] = _coerce(f, cause.get(name))
        except (ValueError, TypeError, InvalidOperation):
            errors[name] = f"{f.help}: enter a valid {f.kind}."
            continue
        if clean[name] is None:
            if f.required:
                errors[name] = f"{f.help}: this is needed for this letter."
        elif message := _out_of_range(f, clean[name]):
            errors[name] = f"{f.help}: {message}"
    for first, last in _PERIODS:
        if clean.get(first) and clean.get(last) and clean[last] < clean[first]:
            errors.setdefault(last, f"{fields[last].help}: this is before the first day.")
    if errors:
        raise ValidationError(errors)
    return clean


# ---- Does a kind fit the pupil's figures? ---------------------------------------------


class Fit(models.TextChoices):
    """What a kind of letter says about the pupil's figures. Checked (as a warning, not a
    refusal) beside every draft, before anyone approves it: a stage 1 concern letter to a
    pupil at 97% against a 96% target is almost certainly a slip."""

    # Attendance (this academic year, up to the letter's date) below the school's target.
    BELOW_TARGET = "below_target", "attendance below the school's target"
    # Absence of 10% or more (DESIGN.md §6, `registers.stats.PERSISTENT_ABSENCE`).
    PERSISTENT = "persistent", "persistent absence (absence of 10% or more)"
    # Every possible session attended.
    FULL = "full", "100% attendance"
    # At least one late arrival (L) this year.
    LATE = "late", "at least one late arrival"
    # At least one unauthorised absence this year.
    UNAUTHORISED = "unauthorised", "at least one unauthorised absence"
    # Attendance higher than the figure given at the last review (cause.previous_pct).
    IMPROVED = "improved", "attendance higher than at the last review"


# The rule each kind is checked against. Kinds not listed depend on the case, not on the
# year's figures (leave decisions, recent-weeks traffic lights, a meeting, missing from
# school), so nothing is checked for them.
FITS: dict[str, Fit] = {
    Kind.STAGE_1: Fit.BELOW_TARGET,
    Kind.STAGE_2: Fit.BELOW_TARGET,
    Kind.STAGE_3: Fit.BELOW_TARGET,
    Kind.NOTICE_TO_IMPROVE: Fit.BELOW_TARGET,
    Kind.PERSISTENT_ABSENCE: Fit.PERSISTENT,
    Kind.PENALTY_WARNING: Fit.UNAUTHORISED,
    Kind.LATENESS_1: Fit.LATE,
    Kind.LATENESS_2: Fit.LATE,
    Kind.IMPROVEMENT: Fit.IMPROVED,
    Kind.CERTIFICATE_100: Fit.FULL,
}


def _pct(value) -> str:
    if value is None:
        return "not yet counted"
    return f"{Decimal(str(value)).normalize():f}%"  # 100.00 -> 100%, 97.10 -> 97.1%


def misfit(kind: str, *, summary, target, cause: dict | None = None) -> str:
    """Why a kind of letter does not fit a pupil's figures, in a sentence; "" when it fits
    or nothing is checked for the kind.

    `summary` is a `registers.stats.Summary` for the academic year up to the letter's date,
    `target` the school's attendance target in % (a number), `cause` the letter's details.
    """
    fit = FITS.get(Kind(kind))
    if fit is None:
        return ""
    pct = summary.attendance_pct
    if pct is None:
        return f"This letter is for {fit.label}, but there is no attendance to count yet."
    target = Decimal(str(target))
    broken = {
        Fit.BELOW_TARGET: pct >= target,
        Fit.PERSISTENT: not summary.persistent_absence,
        Fit.FULL: pct < 100,
        Fit.LATE: summary.lates == 0,
        Fit.UNAUTHORISED: summary.unauthorised == 0,
        Fit.IMPROVED: (cause or {}).get("previous_pct") is not None
        and pct <= Decimal(str(cause["previous_pct"])),
    }[fit]
    if not broken:
        return ""
    previous = _pct((cause or {}).get("previous_pct"))
    figures = {
        Fit.BELOW_TARGET: f"attendance is {_pct(pct)} and the target {_pct(target)}",
        Fit.PERSISTENT: f"absence is {_pct(summary.absence_pct)}",
        Fit.FULL: f"attendance is {_pct(pct)}",
        Fit.LATE: "no late arrival is recorded",
        Fit.UNAUTHORISED: "no unauthorised absence is recorded",
        Fit.IMPROVED: f"attendance is {_pct(pct)}, against {previous} at the last review",
    }[fit]
    return f"This letter is for {fit.label}, but {figures}."
