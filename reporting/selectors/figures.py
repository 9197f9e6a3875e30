"""The school's figures for a period: headline, breakdowns and the gap to the rest of
the school (DESIGN.md §6, §9 `attendance_breakdown`).

Nothing is counted here: pupils' `Summary`s come from `registers.stats` (and, by dated
registration group, `registers.stats_groups`); this module adds them up by group. A
group's attendance % is its sessions attended over its possible sessions (not a mean of
pupils' percentages); a persistent absentee of a group is a pupil whose own absence over
the period (in that group, for registration groups) is 10% or more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q

from registers import stats
from registers.models import GroupMembership, Pupil, RegistrationGroup, YearGroup
from registers.stats_groups import summarise_by_group

# The fields of DESIGN.md §9 `attendance_breakdown --by`, in the order pages show them.
FIELDS = (
    "year_group",
    "registration_group",
    "sex",
    "sen",
    "fsm",
    "eal",
    "looked_after",
    "child_in_need",
    "young_carer",
)
FIELD_LABELS = {
    "year_group": "Year group",
    "registration_group": "Registration group",
    "sex": "Sex",
    "sen": "Special educational needs",
    "fsm": "Free school meals",
    "eal": "English as an additional language",
    "looked_after": "Looked after",
    "child_in_need": "Child in need / protection plan",
    "young_carer": "Young carer",
}
# Each label as it reads inside a sentence ("Attendance by year group"): lower case but
# for proper nouns (English).
FIELD_PHRASES = {
    by: label if label.startswith("English") else label[0].lower() + label[1:]
    for by, label in FIELD_LABELS.items()
}
# The pupil's column for each field (registration group is dated: not a column).
PUPIL_COLUMN = {
    "year_group": "year_group",
    "sex": "gender",
    "sen": "sen",
    "fsm": "fsm",
    "eal": "eal",
    "looked_after": "looked_after",
    "child_in_need": "child_in_need",
    "young_carer": "young_carer",
}
BOOLEAN_FIELDS = ("fsm", "eal", "looked_after", "child_in_need", "young_carer")
SEN_LABELS = {"N": "No SEN", "K": "SEN support", "E": "EHC plan"}
YEAR_ORDER = {value: i for i, value in enumerate(YearGroup.values)}


def pct(value: Fraction | None) -> Decimal | None:
    return stats.percent(value)


# ---- Totals --------------------------------------------------------------------------


@dataclass
class Totals:
    """A set of pupils' figures over a period: the sessions, and who is a persistent or
    severe absentee. Only pupils with a possible session count as pupils."""

    summary: stats.Summary = field(default_factory=lambda: stats.Summary(pupil_id=0))
    pupils: int = 0
    persistent: int = 0
    severe: int = 0
    # Keep the sessions of each code too (a breakdown's groups need only the sums).
    by_code: bool = True

    def add(self, s: stats.Summary) -> None:
        if not s.possible:
            return
        _merge(self.summary, s, by_code=self.by_code)
        self.pupils += 1
        persistent, severe = pupil_flags(s)
        self.persistent += persistent
        self.severe += severe

    def plus(self, other: Totals) -> Totals:
        both = Totals(pupils=self.pupils + other.pupils)
        both.persistent = self.persistent + other.persistent
        both.severe = self.severe + other.severe
        for source in (self.summary, other.summary):
            _merge(both.summary, source, by_code=False)
        return both

    def minus(self, other: Totals) -> Totals:
        """These totals without `other`'s (the rest of the school beside a group)."""
        rest = Totals(pupils=self.pupils - other.pupils)
        rest.persistent = self.persistent - other.persistent
        rest.severe = self.severe - other.severe
        _merge(rest.summary, self.summary, by_code=False)
        _merge(rest.summary, other.summary, by_code=False, sign=-1)
        return rest

    def _rate(self, n: int) -> Fraction | None:
        return Fraction(n, self.pupils) if self.pupils else None

    def _of_possible(self, n: int) -> Fraction | None:
        return Fraction(n, self.summary.possible) if self.summary.possible else None

    @property
    def attendance(self) -> Fraction | None:
        return self.summary.attendance

    @property
    def attendance_pct(self) -> Decimal | None:
        return pct(self.summary.attendance)

    @property
    def absence_pct(self) -> Decimal | None:
        return pct(self.summary.absence)

    @property
    def authorised_pct(self) -> Decimal | None:
        return pct(self._of_possible(self.summary.authorised))

    @property
    def unauthorised_pct(self) -> Decimal | None:
        return pct(self._of_possible(self.summary.unauthorised))

    @property
    def persistent_rate(self) -> Fraction | None:
        return self._rate(self.persistent)

    @property
    def persistent_rate_pct(self) -> Decimal | None:
        return pct(self.persistent_rate)

    @property
    def severe_rate_pct(self) -> Decimal | None:
        return pct(self._rate(self.severe))

    @property
    def lates(self) -> int:
        return self.summary.lates


def _merge(into: stats.Summary, s: stats.Summary, *, by_code=True, sign=1) -> None:
    """Add (or, with sign -1, take away) a summary's counts: the same as adding each of
    its codes (`Summary.add`) without looking up each code's rule again. `by_code=False`
    leaves the per-code counts out (sums only)."""
    into.possible += sign * s.possible
    into.attended += sign * s.attended
    into.present += sign * s.present
    into.approved_activity += sign * s.approved_activity
    into.authorised += sign * s.authorised
    into.unauthorised += sign * s.unauthorised
    into.lates += sign * s.lates
    if by_code:
        for code, n in s.codes.items():
            into.codes[code] = into.codes.get(code, 0) + sign * n


_PA = (stats.PERSISTENT_ABSENCE.numerator, stats.PERSISTENT_ABSENCE.denominator)
_SA = (stats.SEVERE_ABSENCE.numerator, stats.SEVERE_ABSENCE.denominator)
_FLAGS = "_reporting_flags"


def pupil_flags(s: stats.Summary) -> tuple[bool, bool]:
    """(persistent, severe): absence / possible >= 10% and >= 50%, exactly (DESIGN.md
    §6), in integers; worked out once per summary (the breakdowns ask nine times)."""
    found = s.__dict__.get(_FLAGS)
    if found is None:
        absent, possible = s.authorised + s.unauthorised, s.possible
        found = (absent * _PA[1] >= _PA[0] * possible, absent * _SA[1] >= _SA[0] * possible)
        s.__dict__[_FLAGS] = found
    return found


def totals(summaries: Iterable[stats.Summary]) -> Totals:
    found = Totals()
    for s in summaries:
        found.add(s)
    return found


# ---- Breakdowns ----------------------------------------------------------------------


@dataclass
class BreakdownRow:
    """One value of a field: its figures and the rest of the school's."""

    value: str | None  # as in the roll import (Y/N, F/M/X, N/K/E, "4"), group name
    label: str
    totals: Totals
    rest: Totals

    @property
    def gap(self) -> Decimal | None:
        """This group's attendance minus the rest of the school's, in percentage points
        (exact, then rounded): negative when the group attends less."""
        mine, others = self.totals.attendance, self.rest.attendance
        if mine is None or others is None:
            return None
        # + 0: a gap that rounds to nothing reads 0.00, never -0.00
        return pct(mine - others) + 0

    def as_row(self) -> dict:
        """The row of DESIGN.md §9 `attendance_breakdown`."""
        t = self.totals
        return {
            "group": self.value,
            "pupils": t.pupils,
            "possible": t.summary.possible,
            "attended": t.summary.attended,
            "authorised": t.summary.authorised,
            "unauthorised": t.summary.unauthorised,
            "attendance_pct": t.attendance_pct,
            "persistent_absentees": t.persistent,
            "persistent_absence_rate": t.persistent_rate_pct,
            "severe_absentees": t.severe,
        }


BREAKDOWN_COLUMNS = [
    "group",
    "pupils",
    "possible",
    "attended",
    "authorised",
    "unauthorised",
    "attendance_pct",
    "persistent_absentees",
    "persistent_absence_rate",
    "severe_absentees",
]


def _value(by: str, raw) -> tuple[str, str]:
    """(value as the roll import writes it, label for a page)."""
    if by in BOOLEAN_FIELDS:
        return ("Y", "Yes") if raw else ("N", "No")
    if by == "sex":
        return raw, Pupil.Gender(raw).label if raw in Pupil.Gender.values else raw
    if by == "sen":
        return raw, SEN_LABELS.get(raw, raw)
    if by == "year_group":
        return raw, YearGroup(raw).label if raw in YearGroup.values else raw
    return raw, raw


def _sort_key(by: str, value):
    if by == "year_group":
        return (YEAR_ORDER.get(value, 99), value)
    if by in BOOLEAN_FIELDS:
        return (value != "Y",)
    if by == "sen":
        return ("NKE".find(value or ""),)
    return ((value is None), (value or "").casefold())


def pupil_fields(*, school, pupil_ids: Iterable[int]) -> dict[int, dict]:
    """The characteristics of the breakdowns for these pupils, keyed by id. One query."""
    columns = ["pk", *PUPIL_COLUMN.values()]
    return {
        row["pk"]: row
        for row in Pupil.objects.filter(school=school, pk__in=list(pupil_ids)).values(*columns)
    }


def summaries_by_group(
    *, school, start: date, end: date, summaries: Mapping[int, stats.Summary]
) -> dict[int | None, dict[int, stats.Summary]]:
    """`registers.stats_groups.summarise_by_group` over the range, for the school's
    pupils with these summaries (every pupil counted over the range), without asking the
    database for the group of each mark: a pupil in one group throughout the range has
    all their sessions there (their summary as it is); only the others (moved, or in no
    group for part of it) are counted mark by mark, by `summarise_by_group`. Two queries
    (one when nobody moved)."""
    spells: dict[int, list[tuple]] = {}
    rows = (
        GroupMembership.objects.filter(school=school, starts__lte=end)
        .filter(Q(ends__isnull=True) | Q(ends__gte=start))
        .values_list("pupil_id", "group_id", "starts", "ends")
    )
    for pupil_id, group_id, starts, ends in rows:
        spells.setdefault(pupil_id, []).append((group_id, starts, ends))
    groups: dict[int | None, dict[int, stats.Summary]] = {}
    movers = []
    for pid, s in summaries.items():
        found = spells.get(pid, [])
        whole = len(found) == 1 and found[0][1] <= start and (found[0][2] or end) >= end
        if whole:
            groups.setdefault(found[0][0], {})[pid] = s
        else:
            movers.append(pid)
    if movers:
        for group_id, by_pupil in summarise_by_group(
            school=school, start=start, end=end, pupils=movers
        ).items():
            groups.setdefault(group_id, {}).update(by_pupil)
    return groups


def breakdown(
    *,
    school,
    start: date,
    end: date,
    by: str,
    summaries: Mapping[int, stats.Summary] | None = None,
    fields: Mapping[int, dict] | None = None,
    whole: Totals | None = None,
) -> list[BreakdownRow]:
    """One row per value of `by` (FIELDS) over the range, each with the rest of the
    school beside it; every pupil with at least one possible session counts. Registration
    groups are as dated on each session (a pupil who moved counts in each group for the
    sessions spent there). Callers with the school's summaries and pupils' fields already
    read pass them (no further query); otherwise 2-4 queries."""
    if by not in FIELDS:
        raise ValueError(f"{by!r} is not one of {', '.join(FIELDS)}.")
    if summaries is None:
        summaries = stats.summarise(school=school, start=start, end=end)
    whole = whole or totals(summaries.values())
    groups: dict[str | None, Totals] = {}
    labels: dict[str | None, str] = {}
    if by == "registration_group":
        by_group = summaries_by_group(school=school, start=start, end=end, summaries=summaries)
        names = dict(
            RegistrationGroup.objects.filter(
                school=school, pk__in=[g for g in by_group if g]
            ).values_list("pk", "name")
        )
        for group_id, pupils in by_group.items():
            value = names.get(group_id)
            labels[value] = value or "No registration group"
            found = groups.setdefault(value, Totals(by_code=False))
            for s in pupils.values():
                found.add(s)
    else:
        if fields is None:
            fields = pupil_fields(school=school, pupil_ids=summaries)
        column = PUPIL_COLUMN[by]
        named: dict = {}
        for pid, s in summaries.items():
            if not s.possible or pid not in fields:
                continue
            raw = fields[pid][column]
            if raw not in named:
                named[raw] = _value(by, raw)
            value, label = named[raw]
            labels[value] = label
            found = groups.get(value)
            if found is None:
                found = groups[value] = Totals(by_code=False)
            found.add(s)
    if by == "registration_group":
        # A pupil who moved is a pupil of each group they were in: the rest of the
        # school beside a group is the other groups' figures added up.
        def rest_of(value) -> Totals:
            rest = Totals(by_code=False)
            for other, t in groups.items():
                if other != value:
                    rest = rest.plus(t)
            return rest
    else:

        def rest_of(value) -> Totals:
            return whole.minus(groups[value])

    rows = [
        BreakdownRow(value=v, label=labels[v], totals=t, rest=rest_of(v))
        for v, t in groups.items()
        if t.pupils
    ]
    rows.sort(key=lambda r: _sort_key(by, r.value))
    return rows
