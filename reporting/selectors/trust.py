"""A trust's schools side by side: the same headline figures and breakdowns as each
school's dashboard, each school over its own calendar's period (their terms differ).

Per school a fixed number of queries (calendar 2-3, summaries 2-3, pupils 1, and 1 for a
dated registration-group breakdown), so the page grows with the number of schools, never
with pupils. Callers enter `trust_scope` of the trust's schools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registers import metrics, selectors, stats
from registers.models import School, Trust

from .figures import BreakdownRow, Totals, breakdown, pupil_fields, totals
from .periods import Period, period_from_query


@dataclass
class SchoolFigures:
    school: School
    period: Period
    whole: Totals
    rows: list[BreakdownRow]


def trust_schools(trust: Trust) -> list[School]:
    return list(School.objects.filter(trust=trust).order_by("name"))


def trust_figures(*, schools: list[School], query, by: str, today: date | None = None):
    """[SchoolFigures] in the order given, each for the period the query asks for as of
    that school's today, cut before today (as the dashboard), with the breakdown by `by`."""
    found = []
    for school in schools:
        calendar = metrics.SchoolCalendar(school)
        day = today or selectors.local_today(school)
        period = period_from_query(query, calendar=calendar, today=day, before_today=True)
        if period.bounds is None:
            found.append(SchoolFigures(school, period, Totals(), []))
            continue
        b = period.bounds
        summaries = stats.summarise(school=school, start=b.start, end=b.end)
        whole = totals(summaries.values())
        fields = (
            None if by == "registration_group" else pupil_fields(school=school, pupil_ids=summaries)
        )
        rows = breakdown(
            school=school, start=b.start, end=b.end, by=by, summaries=summaries, fields=fields,
            whole=whole,
        )  # fmt: skip
        found.append(SchoolFigures(school, period, whole, rows))
    return found
