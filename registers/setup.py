"""A school's setup from a TOML file (DESIGN.md §9, reference/school-example.toml).

`school_setup` creates or updates the trust, the school, its register times, academic
years, terms and closures, then generates the sessions. The whole file is checked
first: a bad file changes nothing and every problem is named by its key
(`terms[2].half_term`), so the person editing the file can find it.

Re-running with the same school slug updates the school; school keys the file leaves
out (and a missing [trust] table) keep what is saved. The file describes whole
academic years: terms and closures of the years it covers that are not in the file are
removed (other years are left alone), and sessions follow the calendar
(`registers.calendar_changes`). A change that would take a day with marks out of the
calendar (a closure added afterwards) is refused whole, listing the marks, unless
`close_marked_sessions` gives the reason to close those days in full: their marks are
amended to # by the system and the days stop counting (DESIGN.md §4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .calendar_changes import CalendarChangeRefused, sessions_generate
from .models import (
    AcademicYear,
    Closure,
    RegisterTimes,
    School,
    Session,
    Term,
    Trust,
)
from .selectors import local_today
from .setup_file import (
    POLICY_PRESETS,
    SetupPlan,
    SetupRefused,
    TermPlan,
    check_setup,
    read_setup_file,
)
from .tenancy import school_scope

__all__ = [
    "POLICY_PRESETS",
    "SchoolSetUp",
    "SetupRefused",
    "check_setup",
    "read_setup_file",
    "school_setup",
    "school_setup_from_file",
]


@dataclass
class SchoolSetUp:
    school: School
    created: bool
    lines: list[str] = field(default_factory=list)


# ---- Writing ----------------------------------------------------------------------------


def school_setup(
    *, config: Mapping, today: date | None = None, close_marked_sessions: str = ""
) -> SchoolSetUp:
    """Create or update a school from a parsed setup file (a dict shaped like the TOML).

    Sessions from `today` (default: the school's local date) on take new register times.
    Raises SetupRefused (nothing changed) for a bad file, or for a calendar change that
    touches marks when `close_marked_sessions` (the reason) is not given.
    """
    plan = check_setup(config)
    try:
        return _setup(plan, today=today, close_marked_sessions=close_marked_sessions)
    except CalendarChangeRefused as exc:
        raise SetupRefused(exc.lines()) from exc
    except ValidationError as exc:  # e.g. a reason too long for an amendment
        raise SetupRefused(exc.messages) from exc


def _setup(plan: SetupPlan, *, today, close_marked_sessions: str) -> SchoolSetUp:
    with transaction.atomic():
        trust, trust_line = _save_trust(plan)
        school, created, school_line = _save_school(plan, trust)
        done = SchoolSetUp(school=school, created=created, lines=[school_line])
        if trust_line:
            done.lines.insert(0, trust_line)
        with school_scope(school):
            done.lines += _save_times(school, plan, today or local_today(school))
            done.lines += _save_calendar(school, plan)
            done.lines += _save_sessions(school, plan, close_marked_sessions)
    return done


def school_setup_from_file(*, path: str | Path, close_marked_sessions: str = "") -> SchoolSetUp:
    return school_setup(config=read_setup_file(path), close_marked_sessions=close_marked_sessions)


def _upsert(model, *, lookup: dict, values: dict):
    """Create or update one row; says which, or that it already matched the file."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), "created"
    if all(getattr(row, k) == v for k, v in values.items()):
        return row, "unchanged"
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row, "updated"


def _save_trust(plan: SetupPlan) -> tuple[Trust | None, str]:
    if plan.trust is None:
        return None, ""
    trust, did = _upsert(
        Trust, lookup={"slug": plan.trust["slug"]}, values={"name": plan.trust["name"]}
    )
    return trust, f"Trust {trust.slug} ({trust.name}): {did}."


def _save_school(plan: SetupPlan, trust: Trust | None) -> tuple[School, bool, str]:
    values = dict(plan.school)
    slug = values.pop("slug")
    if trust is not None:
        values["trust"] = trust
    school, did = _upsert(School, lookup={"slug": slug}, values=values)
    policy = school.policy_preset or "none"
    line = f"School {school.slug} ({school.name}): {did}; policy preset {policy}."
    return school, did == "created", line


def _save_times(school: School, plan: SetupPlan, today: date) -> list[str]:
    lines = []
    for period, values in plan.times.items():
        times, did = _upsert(
            RegisterTimes, lookup={"school": school, "period": period}, values=values
        )
        # Past sessions keep the times they were registered with; later ones follow.
        moved = Session.objects.filter(school=school, period=period, date__gte=today).exclude(
            **values
        )
        n = moved.update(**values)
        lines.append(
            f"{period} register: opens {times.opens:%H:%M}, late after "
            f"{times.late_after:%H:%M}, closes {times.closes:%H:%M} ({did}"
            + (f"; {n} coming sessions moved to these times)." if n else ").")
        )
    return lines


def _save_calendar(school: School, plan: SetupPlan) -> list[str]:
    lines = []
    for year_starts, year_ends in plan.years:
        name = f"{year_starts.year}/{(year_starts.year + 1) % 100:02d}"
        year, did = _upsert(
            AcademicYear,
            lookup={"school": school, "name": name},
            values={"starts": year_starts, "ends": year_ends},
        )
        terms = sorted((t for t in plan.terms if t.year_starts == year_starts), key=_starts)
        done = Counter(
            _upsert(
                Term,
                lookup={"school": school, "academic_year": year, "name": term.name},
                values={
                    "starts": term.starts,
                    "ends": term.ends,
                    "half_term_starts": term.half_term[0] if term.half_term else None,
                    "half_term_ends": term.half_term[1] if term.half_term else None,
                },
            )[1]
            for term in terms
        )
        gone = Term.objects.filter(school=school, academic_year=year).exclude(
            name__in=[t.name for t in terms]
        )
        done["removed"] = gone.delete()[0]
        lines.append(
            f"Academic year {name}: {did}; terms {', '.join(t.name for t in terms)} "
            f"({_counts(done)})."
        )
    lines.append(_save_closures(school, plan))
    return lines


def _save_closures(school: School, plan: SetupPlan) -> str:
    # Only the years the file describes: a year between two of them is left alone.
    in_any_year = Q()
    for year in plan.years:
        in_any_year |= Q(date__range=year)
    in_years = Closure.objects.filter(in_any_year, school=school)
    wanted = {c["date"] for c in plan.closures}
    done = Counter(
        _upsert(
            Closure,
            lookup={"school": school, "date": closure["date"]},
            values={"reason": closure["reason"], "kind": closure["kind"]},
        )[1]
        for closure in plan.closures
    )
    done["removed"] = in_years.exclude(date__in=wanted).delete()[0]
    return (
        f"Closures: {len(plan.closures)} ({_counts(done)}); bank holidays for England are "
        "added automatically."
    )


def _starts(term: TermPlan) -> date:
    return term.starts


def _counts(done: Counter) -> str:
    return ", ".join(f"{done[k]} {k}" for k in ("created", "updated", "unchanged", "removed"))


def _covered(plan: SetupPlan) -> tuple[date, date]:
    years = plan.years
    return years[0][0], years[-1][1]


def _save_sessions(school: School, plan: SetupPlan, close_marked_sessions: str) -> list[str]:
    start, end = _covered(plan)
    done = sessions_generate(
        school=school, start=start, end=end, close_marked_sessions=close_marked_sessions
    )
    total = Session.objects.filter(school=school, date__range=(start, end)).count()
    lines = [
        f"Sessions {start} to {end}: {done.created} new, {done.removed} removed, {total} in all."
    ]
    if done.closed_days:
        days = ", ".join(f"{d:%Y-%m-%d}" for d in done.closed_days)
        lines.append(
            f"Closed after marks were taken: {days}. {done.amended} mark(s) amended to # "
            f"and {done.closed_marks_added} added, by the system, with the reason "
            f"“{' '.join(close_marked_sessions.split())}”; these days no longer count."
        )
    return lines
