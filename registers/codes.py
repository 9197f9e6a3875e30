"""How each national code counts, and a pupil's counts over some sessions (DESIGN.md §6).

The lowest layer of the attendance arithmetic: `registers.metrics` counts marks into
`Summary` objects and `registers.stats` builds ranges and indicators on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from .models import AttendanceCode

PERSISTENT_ABSENCE = Fraction(10, 100)
SEVERE_ABSENCE = Fraction(50, 100)
LATE_CODES = frozenset({"L"})


@dataclass(frozen=True)
class CodeRule:
    code: str
    category: str
    possible: bool
    attended: bool
    authorised: bool
    unauthorised: bool


@lru_cache(maxsize=1)
def code_rules() -> dict[str, CodeRule]:
    """The national codes and how each counts; immutable reference data, read once."""
    return {
        c.code: CodeRule(
            code=c.code,
            category=c.category,
            possible=c.possible,
            attended=c.attended,
            authorised=c.authorised_absence,
            unauthorised=c.unauthorised_absence,
        )
        for c in AttendanceCode.objects.all()
    }


def codes_in_order() -> list[str]:
    return list(code_rules())


@dataclass
class Summary:
    """A pupil's counts over a range of dates."""

    pupil_id: int
    possible: int = 0
    attended: int = 0
    present: int = 0
    approved_activity: int = 0
    authorised: int = 0
    unauthorised: int = 0
    lates: int = 0
    codes: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, count: int) -> None:
        rule = code_rules()[code]
        self.codes[code] = self.codes.get(code, 0) + count
        if rule.possible:
            self.possible += count
        if rule.attended:
            self.attended += count
        if rule.category == "present":
            self.present += count
        elif rule.category == "approved_activity":
            self.approved_activity += count
        if rule.authorised:
            self.authorised += count
        if rule.unauthorised:
            self.unauthorised += count
        if code in LATE_CODES:
            self.lates += count

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance(self) -> Fraction | None:
        return Fraction(self.attended, self.possible) if self.possible else None

    @property
    def absence(self) -> Fraction | None:
        return Fraction(self.absent, self.possible) if self.possible else None

    @property
    def attendance_pct(self) -> Decimal | None:
        return percent(self.attendance)

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.absence)

    @property
    def persistent_absence(self) -> bool:
        return self.absence is not None and self.absence >= PERSISTENT_ABSENCE

    @property
    def severe_absence(self) -> bool:
        return self.absence is not None and self.absence >= SEVERE_ABSENCE

    @property
    def days_missed(self) -> Decimal:
        """Absent sessions as school days (two sessions a day), for parents' letters."""
        return Decimal(self.absent) / 2

    def as_row(self) -> dict:
        """The export row of DESIGN.md §9 (without the upn)."""
        row = {
            "possible": self.possible,
            "attended": self.attended,
            "present": self.present,
            "approved_activity": self.approved_activity,
            "authorised": self.authorised,
            "unauthorised": self.unauthorised,
            "lates": self.lates,
            "attendance_pct": self.attendance_pct,
            "persistent_absence": self.persistent_absence,
            "severe_absence": self.severe_absence,
        }
        for code in codes_in_order():
            row[code] = self.codes.get(code, 0)
        return row


def percent(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
