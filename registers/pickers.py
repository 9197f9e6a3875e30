"""What the register offers to choose from: the code picker (big buttons for the
everyday codes, every national code by category) and the school's own reasons.
Reads only; each function runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count

from .models import AbsenceReason, AttendanceCode, Mark, Period, School, Session
from .services import PRESENT_CODE, REASONLESS_CODES

if TYPE_CHECKING:
    from .selectors import RegisterLine

# How far back "the school's most-used codes" look.
POPULAR_CODES_DAYS = 42
POPULAR_CODES_SHOWN = 3
# Always offered as big buttons, after the session's present code.
EVERYDAY_CODES = ("L", "N", "I", "M")

# Short words under the big code buttons; the select carries the full national meaning.
SHORT_LABELS = {
    "/": "Present",
    "\\": "Present",
    "L": "Late",
    "K": "LA provision",
    "V": "Trip",
    "P": "Sport",
    "W": "Work exp.",
    "B": "Other activity",
    "D": "Dual reg.",
    "C1": "Performance",
    "M": "Medical",
    "J1": "Interview",
    "S": "Study leave",
    "X": "Not required",
    "C2": "Part-time",
    "C": "Exceptional",
    "T": "Travelling",
    "R": "Religious",
    "I": "Ill",
    "E": "Suspended",
    "Q": "No access",
    "Y1": "No transport",
    "Y2": "Travel disrupted",
    "Y3": "Part closed",
    "Y4": "Site closed",
    "Y5": "Detention",
    "Y6": "Public health",
    "Y7": "Unavoidable",
    "G": "Holiday",
    "N": "Reason not yet known",
    "O": "Unauthorised",
    "U": "Late after close",
    "Z": "Prospective",
    "#": "Closed",
}


# ---- The code picker ------------------------------------------------------------------


@dataclass(frozen=True)
class CodeChoice:
    code: str
    meaning: str
    category: str
    category_label: str

    @property
    def short(self) -> str:
        return SHORT_LABELS.get(self.code, self.code)


@dataclass
class CodePicker:
    buttons: list[CodeChoice]
    groups: list[tuple[str, list[CodeChoice]]]
    present: str


def code_picker(*, school: School, session: Session) -> CodePicker:
    """Big buttons for the everyday codes and the school's most used, and every national
    code by category for the select. Two queries."""
    categories = dict(AttendanceCode.Category.choices)
    other_present = PRESENT_CODE[Period.PM if session.period == Period.AM else Period.AM]
    choices = [
        CodeChoice(c.code, c.meaning, c.category, categories.get(c.category, c.category))
        for c in AttendanceCode.objects.order_by("sort_order")
        if c.code != other_present
    ]
    by_code = {c.code: c for c in choices}
    present = PRESENT_CODE[session.period]
    fixed = [present, *EVERYDAY_CODES]
    popular = (
        Mark.objects.filter(
            school=school,
            date__range=(session.date - timedelta(days=POPULAR_CODES_DAYS), session.date),
        )
        .exclude(code_id__in=[*fixed, other_present])
        .order_by()
        .values_list("code_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "code_id")
        .values_list("code_id", flat=True)[:POPULAR_CODES_SHOWN]
    )
    buttons = [by_code[c] for c in [*fixed, *popular] if c in by_code]
    groups: dict[str, list[CodeChoice]] = {}
    for choice in choices:
        groups.setdefault(choice.category_label, []).append(choice)
    return CodePicker(buttons=buttons, groups=list(groups.items()), present=present)


# ---- The school's own reasons ---------------------------------------------------------


@dataclass(frozen=True)
class ReasonChoice:
    id: int
    name: str
    code: str
    active: bool = True

    @property
    def value(self) -> str:
        """The id as the form posts it."""
        return str(self.id)

    @property
    def label(self) -> str:
        text = f"{self.name} ({self.code})"
        return text if self.active else f"{text}, retired"


def reason_choices(*, school: School) -> list[ReasonChoice]:
    """The reasons the register offers: the school's active ones, by name. One query."""
    rows = (
        AbsenceReason.objects.filter(school=school, active=True)
        .order_by("name")
        .values_list("pk", "name", "code_id")
    )
    return [ReasonChoice(pk, name, code) for pk, name, code in rows]


def name_reasons(lines: list[RegisterLine], reasons: list[ReasonChoice]) -> None:
    """Give each line the name of the reason on its form, for the words under the name.
    A saved mark's retired reason is named from the mark, so no query is added."""
    names = {r.value: r.name for r in reasons}
    for line in lines:
        if line.mark and line.mark.reason_id:
            names.setdefault(str(line.mark.reason_id), line.mark.reason.name)
        line.reason_name = names.get(line.reason, "")


def school_reasons(*, school: School) -> list[AbsenceReason]:
    """Every reason of the school for its settings page, those in use first. One query."""
    return list(
        AbsenceReason.objects.filter(school=school)
        .select_related("code")
        .order_by("-active", "name")
    )


def reason_codes() -> list[tuple[str, list[CodeChoice]]]:
    """The national codes a reason may stand for, by category (the present marks need
    no reason). One query."""
    categories = dict(AttendanceCode.Category.choices)
    groups: dict[str, list[CodeChoice]] = {}
    for c in AttendanceCode.objects.exclude(code__in=REASONLESS_CODES).order_by("sort_order"):
        label = categories.get(c.category, c.category)
        groups.setdefault(label, []).append(CodeChoice(c.code, c.meaning, c.category, label))
    return list(groups.items())
