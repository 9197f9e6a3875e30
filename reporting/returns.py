"""Statutory returns and the daily extract: pupil-level rows laid out from the one
statistics module (`registers.stats`, DESIGN.md §6). Nothing is counted here.

- `census_rows`: the school census's attendance block for any date range (per pupil:
  possible, attended, authorised, unauthorised and the count of each code); the census
  presets are the school's own terms (`census_periods`).
- `la_rows`: the local authority's lists: pupils with 10 or more days (20 sessions) of
  unauthorised absence this term, and the §6 indicators `long_illness` and
  `missing_from_school` as of a date.
- `daily_extract_rows`: one day in the shape of the national daily attendance data share
  (DfE "Monitor your school attendance"): per pupil the identifiers, characteristics,
  admission and leaving dates, each session's code, and earlier sessions whose code
  changed in the last 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max

from registers import stats
from registers.models import Amendment, Mark, Pupil, Role, School, Term
from registers.schooldays import academic_year_bounds

# Pupil-level returns carry characteristics (looked after, child in need): the people who
# make the returns, not every member of staff.
ROLES_RETURNS = frozenset(
    {Role.ATTENDANCE_OFFICER, Role.ATTENDANCE_LEAD, Role.HEADTEACHER, Role.SCHOOL_ADMIN}
)
# 10 days of unauthorised absence in a term, in sessions (two a day).
UNAUTHORISED_DAYS_THRESHOLD = 10
# Sessions before the extract's day whose code changed this many days back are sent again.
CHANGED_WITHIN_DAYS = 7

PUPIL_COLUMNS = (
    "upn",
    "legal_surname",
    "legal_forename",
    "date_of_birth",
    "gender",
    "year_group",
)
CENSUS_FIGURES = ("possible", "attended", "authorised", "unauthorised")
LA_RETURNS = ("unauthorised_10_days", "long_illness", "missing_from_school")
EXTRACT_COLUMNS = (
    "urn",
    "laestab",
    *PUPIL_COLUMNS,
    "admission_date",
    "leaving_date",
    "expected_leaving_date",
    "fsm",
    "sen_provision",
    "eal",
    "looked_after",
    "previously_looked_after",
    "child_in_need",
    "ethnicity",
    "session_date",
    "session",
    "code",
    "changed_on",
)


@dataclass(frozen=True)
class CensusPeriod:
    """A preset range of the census return: one of the school's terms."""

    name: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.start}:{self.end}"

    @property
    def label(self) -> str:
        """ "Spring 2025/26": the term and its academic year."""
        year = self.start.year if self.start.month >= 8 else self.start.year - 1
        return f"{self.name} {year}/{(year + 1) % 100:02d}"


def recent_census_periods(*, school: School, day: date, count: int = 6) -> list[CensusPeriod]:
    """The school's latest terms that have begun by `day`, latest first (the page's
    presets: this year's and last year's census periods)."""
    terms = Term.objects.filter(school=school, starts__lte=day).order_by("-starts")[:count]
    return [CensusPeriod(t.name, t.starts, t.ends) for t in terms]


def census_periods(*, school: School, day: date) -> list[CensusPeriod]:
    """The school's terms of the academic year holding `day`, in order, as presets."""
    first, last = academic_year_bounds(day)
    terms = Term.objects.filter(school=school, starts__gte=first, ends__lte=last)
    return [CensusPeriod(t.name, t.starts, t.ends) for t in terms.order_by("starts")]


def census_columns() -> list[str]:
    return [*PUPIL_COLUMNS, *CENSUS_FIGURES, *stats.codes_in_order()]


def census_rows(*, school: School, start: date, end: date) -> list[dict]:
    """One row per pupil on roll at any time in the range, by UPN: the pupil's
    identifiers, their figures over the range (each over their own time on roll) and the
    count of every code. Three queries whatever the number of pupils."""
    pupils = list(stats.on_roll(school=school, start=start, end=end).order_by("upn"))
    summaries = stats.summarise(school=school, start=start, end=end, pupils=[p.pk for p in pupils])
    codes = stats.codes_in_order()
    rows = []
    for pupil in pupils:
        summary = summaries[pupil.pk]
        row = _pupil_columns(pupil)
        row.update({name: getattr(summary, name) for name in CENSUS_FIGURES})
        row.update({code: summary.codes.get(code, 0) for code in codes})
        rows.append(row)
    return rows


def la_rows(*, school: School, kind: str, as_of: date) -> list[dict]:
    """The pupils of one local-authority return as of a date, by UPN.

    kind: `unauthorised_10_days` (20 or more unauthorised sessions in the term holding
    as-of, up to as-of), `long_illness` or `missing_from_school` (DESIGN.md §6).
    Raises ValueError for another kind.
    """
    if kind not in LA_RETURNS:
        raise ValueError(f"{kind!r} is not a return: use one of {', '.join(LA_RETURNS)}.")
    if kind == "unauthorised_10_days":
        return _unauthorised_this_term(school=school, as_of=as_of)
    held = stats.indicators(school=school, as_of=as_of)
    ids = [pid for pid, keys in held.items() if kind in keys]
    first = academic_year_bounds(as_of)[0]
    summaries = stats.summarise(school=school, start=first, end=as_of, pupils=ids)
    pupils = Pupil.objects.filter(school=school, pk__in=ids).order_by("upn")
    return [
        _pupil_columns(p) | _figures(summaries[p.pk]) | {"illness_sessions": _ill(summaries[p.pk])}
        for p in pupils
    ]


def _unauthorised_this_term(*, school: School, as_of: date) -> list[dict]:
    term = Term.objects.filter(school=school, starts__lte=as_of, ends__gte=as_of).first()
    if term is None:
        return []
    summaries = stats.summarise(school=school, start=term.starts, end=as_of)
    threshold = UNAUTHORISED_DAYS_THRESHOLD * 2
    ids = [pid for pid, s in summaries.items() if s.unauthorised >= threshold]
    pupils = Pupil.objects.filter(school=school, pk__in=ids).order_by("upn")
    return [_pupil_columns(p) | _figures(summaries[p.pk]) for p in pupils]


def la_columns(kind: str) -> list[str]:
    extra = ["illness_sessions"] if kind != "unauthorised_10_days" else []
    return [*PUPIL_COLUMNS, *CENSUS_FIGURES, "attendance_pct", *extra]


def _figures(summary) -> dict:
    figures = {name: getattr(summary, name) for name in CENSUS_FIGURES}
    figures["attendance_pct"] = summary.attendance_pct
    return figures


def _ill(summary) -> int:
    return summary.codes.get("I", 0)


def _pupil_columns(pupil: Pupil) -> dict:
    return {
        "upn": pupil.upn,
        "legal_surname": pupil.legal_surname,
        "legal_forename": pupil.legal_forename,
        "date_of_birth": pupil.date_of_birth,
        "gender": pupil.gender,
        "year_group": pupil.year_group,
    }


def daily_extract_rows(*, school: School, day: date) -> list[dict]:
    """The day's sessions for every pupil on roll that day (a row per pupil per session;
    `code` blank while unmarked), then each earlier session (of a pupil on roll that
    day) whose code changed in the 7 days up to the day (amended, or first recorded
    after its own day), with `changed_on` (the local date of the latest change).
    Ordered by UPN, date, session. Four queries whatever the number of pupils."""
    zone = ZoneInfo(school.timezone)
    pupils = {p.pk: p for p in stats.on_roll(school=school, day=day).order_by("upn")}
    today = {
        (pid, period): code
        for pid, period, code in Mark.objects.filter(school=school, date=day).values_list(
            "pupil_id", "session__period", "code_id"
        )
    }
    since = datetime.combine(day - timedelta(days=CHANGED_WITHIN_DAYS - 1), time.min, zone)
    until = datetime.combine(day + timedelta(days=1), time.min, zone)
    earlier = Mark.objects.filter(school=school, date__lt=day, pupil_id__in=list(pupils))
    changes: dict[tuple, tuple[str, date]] = {}

    def changed(pid, on, period, code, when):
        local = when.astimezone(zone).date()
        key = (pid, on, period)
        if local > on and (key not in changes or changes[key][1] < local):
            changes[key] = (code, local)

    late = earlier.filter(recorded_at__gte=since, recorded_at__lt=until)
    for pid, on, period, code, when in late.values_list(
        "pupil_id", "date", "session__period", "code_id", "recorded_at"
    ):
        changed(pid, on, period, code, when)
    amended = (
        Amendment.objects.filter(
            school=school,
            amended_at__gte=since,
            amended_at__lt=until,
            mark__in=earlier,
        )
        .values_list("mark__pupil_id", "mark__date", "mark__session__period", "mark__code_id")
        .annotate(latest=Max("amended_at"))
    )
    for pid, on, period, code, when in amended:
        changed(pid, on, period, code, when)
    rows = [
        _extract_row(school, pupil, day, period, today.get((pid, period), ""))
        for pid, pupil in pupils.items()
        for period in ("AM", "PM")
    ]
    for (pid, on, period), (code, local) in changes.items():
        rows.append(_extract_row(school, pupils[pid], on, period, code) | {"changed_on": local})
    rows.sort(key=lambda r: (r["upn"], r["session_date"], r["session"]))
    return rows


def _extract_row(school: School, pupil: Pupil, day: date, period: str, code: str) -> dict:
    return {
        "urn": school.urn,
        "laestab": f"{school.la_code}{school.estab}",
        **_pupil_columns(pupil),
        "admission_date": pupil.on_roll_from,
        "leaving_date": pupil.on_roll_to,
        "expected_leaving_date": pupil.expected_leaving_date,
        "fsm": pupil.fsm,
        "sen_provision": pupil.sen,
        "eal": pupil.eal,
        "looked_after": pupil.looked_after,
        "previously_looked_after": pupil.previously_looked_after,
        "child_in_need": pupil.child_in_need,
        "ethnicity": pupil.ethnicity,
        "session_date": day,
        "session": period,
        "code": code,
        "changed_on": None,
    }
