"""What a letter's wording can use: the documented context, built as plain data.

Everything a template sees is listed in `CONTEXT_DOC` (shown on the edit page) plus the
kind's `cause` fields (`letters.kinds`). Builders take model instances and return dicts
of strings, numbers, dates and lists: no model instance ever reaches a template.
Attendance figures come from `registers.stats` only.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from registers.models import Contact, Pupil, School
from registers.schooldays import academic_year_bounds
from registers.stats import Summary

from . import kinds

CONTEXT_DOC: tuple[tuple[str, str], ...] = (
    ("date", 'The date of the letter. Write it with {{ date|date:"j F Y" }}.'),
    ("school.name", "The school's name, as on the letterhead."),
    ("school.address_lines", "The school's address, a list of lines."),
    ("school.phone", "The school's telephone number."),
    ("school.email", "The school's email address."),
    ("school.contact_line", "Whom parents contact about attendance (set on the letterhead)."),
    ("school.signatory_name", "Who signs the letter."),
    ("school.signatory_role", "Their role, e.g. Headteacher."),
    ("school.attendance_target", "The school's attendance target in %, e.g. 96."),
    ("pupil.forename", "The pupil's preferred forename: use this to talk about the child."),
    ("pupil.surname", "The pupil's preferred surname."),
    ("pupil.full_name", "Preferred forename and surname."),
    ("pupil.legal_name", "Legal forename and surname, for formal notices."),
    ("pupil.date_of_birth", "Date of birth (a date)."),
    ("pupil.upn", "Unique pupil number, for notices to the local authority."),
    ("pupil.gender", "Female, Male or Other / not stated."),
    ("pupil.year_group", "The year group, e.g. Year 4."),
    ("pupil.registration_group", "The class or tutor group, e.g. 4B."),
    ("pupil.home_address_lines", "The first contact's postal address, a list of lines."),
    ("recipient.name", "Whom this copy is addressed to."),
    ("recipient.salutation", "The name after 'Dear' (the letter adds 'Dear' itself)."),
    ("recipient.address_lines", "The postal address of this copy, a list of lines."),
    ("recipient.email", "The email address(es) this copy is sent to, if any."),
    ("contacts", "Everyone with parental responsibility, in priority order (a list)."),
    ("contacts[].name", "A contact's name (inside {% for contact in contacts %})."),
    ("contacts[].relationship", "A contact's relationship to the pupil, e.g. Mother."),
    ("contacts[].phone", "A contact's telephone number."),
    ("contacts[].email", "A contact's email address."),
    (
        "attendance.from",
        "First day counted: the start of the academic year (or the day the "
        "pupil joined, if later).",
    ),
    ("attendance.to", "Last day counted."),
    ("attendance.possible_sessions", "Sessions (mornings and afternoons) the pupil could attend."),
    ("attendance.attended_sessions", "Sessions attended."),
    ("attendance.sessions_missed", "Sessions missed (authorised and unauthorised)."),
    ("attendance.authorised_sessions", "Sessions missed with the school's permission."),
    ("attendance.unauthorised_sessions", "Sessions missed without permission."),
    ("attendance.late_sessions", "Sessions the pupil arrived late (before the register closed)."),
    ("attendance.days_missed", "School days missed, e.g. 9.5 (two sessions make a day)."),
    ("attendance.time_missed", "Days and sessions missed in words, e.g. 9½ days (19 sessions)."),
    ("attendance.hours_missed", "Hours of lessons missed, roughly."),
    ("attendance.lost_learning", "What the time missed means, e.g. about 62 hours of lessons."),
    ("attendance.attendance_pct", "Attendance in %, e.g. 91.23 (empty if nothing to count)."),
    ("attendance.absence_pct", "Absence in %, e.g. 8.77."),
    ("attendance.persistent_absence", "True when absence is 10% or more."),
    ("attendance.severe_absence", "True when absence is 50% or more."),
    ("recent.weeks", "How many recent school weeks `recent` covers (letters with window_weeks)."),
    ("recent.from", "First day of the recent weeks."),
    ("recent.possible_sessions", "Sessions possible in the recent weeks."),
    ("recent.sessions_missed", "Sessions missed in the recent weeks."),
    ("recent.time_missed", "Days and sessions missed in the recent weeks, in words."),
    ("recent.attendance_pct", "Attendance in % over the recent weeks."),
)

# The documented lists a wording can go through with {% for %}.
LISTS = frozenset(
    {"contacts", "school.address_lines", "pupil.home_address_lines", "recipient.address_lines"}
)

_HALF = Decimal("0.5")


def documented_paths(kind: str) -> frozenset[str]:
    paths = {path for path, _help in CONTEXT_DOC}
    paths |= {f"cause.{f.name}" for f in kinds.spec(kind).cause}
    return frozenset(paths)


def documentation(kind: str) -> list[tuple[str, str]]:
    cause = [
        (f"cause.{f.name}", f.help + ("" if f.required else " (may be empty)."))
        for f in kinds.spec(kind).cause
    ]
    return list(CONTEXT_DOC) + cause


# ---- Words for figures -------------------------------------------------------------


def _number(value) -> int | Decimal:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def _half_days(days: Decimal) -> str:
    """9.5 -> "9½", 0.5 -> "½", 10 -> "10"."""
    whole = int(days)
    if days == whole:
        return str(whole)
    return f"{whole}½" if whole else "½"


def days_figure(sessions: int) -> str:
    """Sessions as school days for a table (two sessions a day): 19 -> "9½"."""
    return _half_days(Decimal(sessions) / 2)


def days_text(days: Decimal) -> str:
    if days == 0:
        return "no days"
    if days == _HALF:
        return "half a day"
    return f"{_half_days(days)} day{'' if days == 1 else 's'}"


def time_missed_text(summary: Summary) -> str:
    days, sessions = days_text(summary.days_missed), summary.absent
    return f"{days} ({sessions} session{'' if sessions == 1 else 's'})"


def _weeks(n: int) -> str:
    return "a whole school week" if n == 1 else f"{n} school weeks"


def lost_learning_text(days: Decimal, hours: int) -> str:
    if days == 0:
        return "no lost learning"
    text = f"about {hours} hour{'' if hours == 1 else 's'} of lessons"
    if days < 5:
        return text
    weeks = days / 5
    whole = int(weeks)
    rest = weeks - whole
    if rest >= Decimal("0.6"):
        return f"{text}, nearly {_weeks(whole + 1)}"
    if rest >= Decimal("0.2"):
        return f"{text}, more than {_weeks(whole)}"
    return f"{text}, {_weeks(whole)}"


# ---- Builders ----------------------------------------------------------------------


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def school_part(*, school: School, letterhead) -> dict:
    return {
        "name": letterhead.name or school.name,
        "address_lines": lines(letterhead.address or school.address),
        "phone": school.phone,
        "email": school.email,
        "contact_line": letterhead.contact_line,
        "signatory_name": letterhead.signatory_name,
        "signatory_role": letterhead.signatory_role,
        "attendance_target": _number(school.attendance_target),
    }


def pupil_part(pupil: Pupil, *, home_address: str = "") -> dict:
    group = pupil.registration_group
    return {
        "forename": pupil.forename,
        "surname": pupil.surname,
        "full_name": pupil.display_name,
        "legal_name": f"{pupil.legal_forename} {pupil.legal_surname}",
        "date_of_birth": pupil.date_of_birth,
        "upn": pupil.upn,
        "gender": pupil.get_gender_display(),
        "year_group": pupil.get_year_group_display(),
        "registration_group": group.name if group else "",
        "home_address_lines": lines(home_address),
    }


def contact_part(contact: Contact) -> dict:
    return {
        "name": contact.name,
        "relationship": contact.relationship,
        "phone": contact.phone,
        "email": contact.email,
    }


def recipient_from_contact(contact: Contact) -> dict:
    """What an issued letter records about one addressee (kept as JSON on the letter)."""
    return {
        "name": contact.name,
        "relationship": contact.relationship,
        "email": contact.email,
        "address_lines": lines(contact.address),
    }


def recipient_local_authority(letterhead) -> dict:
    name = letterhead.la_name or "Children Missing Education team"
    return {
        "name": name,
        "relationship": "Local authority",
        "email": letterhead.la_email,
        "address_lines": lines(letterhead.la_address),
    }


def addressee(recipients: list[dict]) -> dict:
    """One addressee for a copy written to one or several people at one address."""
    names = [r["name"] for r in recipients]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    address = next((r["address_lines"] for r in recipients if r["address_lines"]), [])
    return {
        "name": joined,
        "salutation": joined,
        "address_lines": address,
        "email": ", ".join(r["email"] for r in recipients if r["email"]),
    }


def attendance_part(summary: Summary, *, start: dt.date, end: dt.date, hours_per_day) -> dict:
    days = summary.days_missed
    hours = int((days * Decimal(hours_per_day)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {
        "from": start,
        "to": end,
        "possible_sessions": summary.possible,
        "attended_sessions": summary.attended,
        "sessions_missed": summary.absent,
        "authorised_sessions": summary.authorised,
        "unauthorised_sessions": summary.unauthorised,
        "late_sessions": summary.lates,
        "days_missed": _number(days),
        "time_missed": time_missed_text(summary),
        "hours_missed": hours,
        "lost_learning": lost_learning_text(days, hours),
        "attendance_pct": summary.attendance_pct,
        "absence_pct": summary.absence_pct,
        "persistent_absence": summary.persistent_absence,
        "severe_absence": summary.severe_absence,
    }


def recent_part(summary: Summary | None, *, weeks: int | None, start: dt.date | None) -> dict:
    if summary is None:
        return {
            "weeks": None,
            "from": None,
            "possible_sessions": None,
            "sessions_missed": None,
            "time_missed": "",
            "attendance_pct": None,
        }
    return {
        "weeks": weeks,
        "from": start,
        "possible_sessions": summary.possible,
        "sessions_missed": summary.absent,
        "time_missed": time_missed_text(summary),
        "attendance_pct": summary.attendance_pct,
    }


def letter_context(
    *,
    letter_date: dt.date,
    school: dict,
    pupil: dict,
    contacts: list[dict],
    recipient: dict,
    attendance: dict,
    recent: dict,
    cause: dict,
) -> dict:
    return {
        "date": letter_date,
        "school": school,
        "pupil": pupil,
        "recipient": recipient,
        "contacts": contacts,
        "attendance": attendance,
        "recent": recent,
        "cause": cause,
    }


def for_letter(
    *, school: School, letterhead, data, recipients: list[dict], cause: dict, as_of, letter_date
) -> dict:
    """The context of one copy of a real letter (`data` from `selectors.letter_data`)."""
    home = next((c.address for c in data.contacts if c.address), "")
    return letter_context(
        letter_date=letter_date,
        school=school_part(school=school, letterhead=letterhead),
        pupil=pupil_part(data.pupil, home_address=home),
        contacts=[contact_part(c) for c in data.contacts],
        recipient=addressee(recipients),
        attendance=attendance_part(
            data.summary,
            start=data.start,
            end=as_of,
            hours_per_day=letterhead.school_day_hours,
        ),
        recent=recent_part(data.recent, weeks=cause.get("window_weeks"), start=data.recent_start),
        cause=cause,
    )


# ---- Sample data for previews on the edit page --------------------------------------

SAMPLE_CODES = {"/": 105, "\\": 105, "L": 4, "I": 8, "M": 2, "O": 6, "G": 4}


def sample_summary(codes: dict[str, int] = SAMPLE_CODES) -> Summary:
    summary = Summary(pupil_id=0)
    for code, count in codes.items():
        summary.add(code, count)
    return summary


def sample_context(*, kind: str, school: School, letterhead) -> dict:
    """A made-up pupil at the school, for previews (no real pupil's data is shown)."""
    # Dated today, in this academic year, so that the preview reads as current.
    end = timezone.localdate()
    start = academic_year_bounds(end)[0]
    recent = sample_summary({"/": 25, "\\": 25, "O": 4, "I": 2, "L": 2})
    contacts = [
        {
            "name": "Alex Sample",
            "relationship": "Parent",
            "phone": "01632 960001",
            "email": "alex.sample@example.org",
        },
    ]
    recipient = {
        "name": "Alex Sample",
        "salutation": "Alex Sample",
        "address_lines": ["1 Example Road", "Sampleton", "AB1 2CD"],
        "email": "alex.sample@example.org",
    }
    if kinds.spec(kind).audience == kinds.Audience.LOCAL_AUTHORITY:
        recipient = addressee([recipient_local_authority(letterhead)])
    return letter_context(
        letter_date=end,
        school=school_part(school=school, letterhead=letterhead),
        pupil={
            "forename": "Sam",
            "surname": "Sample",
            "full_name": "Sam Sample",
            "legal_name": "Samuel Sample",
            "date_of_birth": dt.date(2016, 5, 1),
            "upn": "A123456789012",
            "gender": "Male",
            "year_group": "Year 4",
            "registration_group": "4B",
            "home_address_lines": ["1 Example Road", "Sampleton", "AB1 2CD"],
        },
        contacts=contacts,
        recipient=recipient,
        attendance=attendance_part(
            sample_summary(), start=start, end=end, hours_per_day=letterhead.school_day_hours
        ),
        recent=recent_part(recent, weeks=6, start=end - dt.timedelta(weeks=6)),
        cause=kinds.sample_cause(kind, today=end),
    )


def sample_weeks() -> list[dict]:
    """Made-up weekly figures for the preview chart."""
    pattern = [
        100,
        100,
        90,
        100,
        80,
        100,
        100,
        70,
        100,
        90,
        100,
        60,
        100,
        100,
        90,
        80,
        100,
        100,
        90,
        100,
        70,
        100,
        100,
        80,
    ]
    monday = dt.date(2024, 9, 2)
    weeks = []
    for i, pct in enumerate(pattern):
        weeks.append(
            {
                "week_start": monday + dt.timedelta(weeks=i + (2 if i >= 8 else 0)),
                "possible": 10,
                "attended": pct // 10,
                "pct": Decimal(pct),
            }
        )
    return weeks


# ---- Fields offered by the plain editor -------------------------------------------------

# How the plain editor writes a field that holds a date or a time, so a school never has
# to learn filter syntax (the same formats as the suggested wordings).
_DATE_PATHS = frozenset(
    {"date", "pupil.date_of_birth", "attendance.from", "attendance.to", "recent.from"}
)
_FORMATS = {"date": '|date:"j F Y"', "time": '|time:"g:i a"'}


def insertable(kind: str) -> list[tuple[str, str]]:
    """(what it is, the text inserted) for every documented field a letter can print
    directly, for the editor's "Insert a field" list. Lists are left out: they need
    {% for %}, which the HTML view of the editor still allows."""
    cause_kinds = {f"cause.{f.name}": f.kind for f in kinds.spec(kind).cause}
    fields = []
    for path, help_text in documentation(kind):
        if path in LISTS or "[]" in path:
            continue
        kind_of = "date" if path in _DATE_PATHS else cause_kinds.get(path, "")
        label = help_text.split(". Write it")[0].rstrip(".")
        fields.append((f"{label} ({path})", f"{{{{ {path}{_FORMATS.get(kind_of, '')} }}}}"))
    return fields
