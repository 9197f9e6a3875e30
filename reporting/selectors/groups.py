"""A teacher's groups: this week and this term, by dated membership (DESIGN.md §4: a
pupil counts in the group they were in on each session), and the best group of the week
in each key stage (a reward several policies run).

Five to seven queries whatever the number of groups: the calendar, two dated counts
(`registers.stats_groups.summarise_by_group`, week and term), the groups, the pupils.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from registers import metrics
from registers.models import Pupil, RegistrationGroup, School
from registers.stats_groups import summarise_by_group

from .figures import Totals, totals

KEY_STAGES = {
    "N1": "Early years", "N2": "Early years", "R": "Early years",
    "1": "Key stage 1", "2": "Key stage 1",
    "3": "Key stage 2", "4": "Key stage 2", "5": "Key stage 2", "6": "Key stage 2",
    "7": "Key stage 3", "8": "Key stage 3", "9": "Key stage 3",
    "10": "Key stage 4", "11": "Key stage 4", "12": "Key stage 5", "13": "Key stage 5",
}  # fmt: skip


@dataclass
class PupilFigures:
    pupil_id: int
    name: str
    week: object  # Summary or None
    term: object


@dataclass
class GroupFigures:
    group: RegistrationGroup
    week: Totals
    term: Totals
    pupils: list[PupilFigures] = field(default_factory=list)


@dataclass
class Best:
    key_stage: str
    group: RegistrationGroup
    week: Totals


def _by_group(*, school, bounds):
    if bounds is None:
        return {}
    return summarise_by_group(school=school, start=bounds.start, end=bounds.end)


def _before_today(calendar, bounds, today):
    """`bounds` cut at the last school day before today (today's registers are still
    coming in: counted now, they read as absence); None when no school day is left."""
    if bounds is None:
        return None
    days = calendar.school_days(metrics.Bounds(bounds.start, min(bounds.end, today - DAY)))
    return metrics.Bounds(bounds.start, days[-1]) if days else None


DAY = timedelta(days=1)


def school_week_before_today(calendar, today):
    """(bounds, is_last_week): this school week to yesterday; on its first school day
    (a Monday), the last school week instead, and says so."""
    week = _before_today(calendar, metrics.LastSchoolWeeks(1).bounds(calendar, today), today)
    if week is not None:
        return week, False
    earlier = calendar.school_days(metrics.Bounds(date.min, today - DAY))
    if not earlier:
        return None, False
    return metrics.LastSchoolWeeks(1).bounds(calendar, earlier[-1]), True


def group_figures(*, school: School, groups: list[RegistrationGroup], today: date):
    """(figures of the given groups, best group of the week per key stage, week bounds,
    term bounds, whether the week is last week). Every figure runs to the end of the last
    school day before today: today's registers are still coming in."""
    calendar = metrics.SchoolCalendar(school)
    week, last_week = school_week_before_today(calendar, today)
    term = _before_today(calendar, metrics.Term().bounds(calendar, today), today)
    week_rows, term_rows = (
        _by_group(school=school, bounds=week),
        _by_group(school=school, bounds=term),
    )
    mine = {g.pk for g in groups}
    ids = {pid for g in mine for pid in {**week_rows.get(g, {}), **term_rows.get(g, {})}}
    names = {
        p.pk: p.display_name
        for p in Pupil.objects.filter(school=school, pk__in=list(ids)).only(
            "legal_forename", "legal_surname", "preferred_forename", "preferred_surname"
        )
    }
    figures = []
    for g in groups:
        w, t = week_rows.get(g.pk, {}), term_rows.get(g.pk, {})
        pupils = [
            PupilFigures(pid, names.get(pid, ""), w.get(pid), t.get(pid)) for pid in set(w) | set(t)
        ]
        pupils.sort(key=lambda p: p.name.casefold())
        figures.append(GroupFigures(g, totals(w.values()), totals(t.values()), pupils))
    all_groups = {
        g.pk: g for g in RegistrationGroup.objects.filter(school=school, pk__in=list(week_rows))
    }
    best: dict[str, Best] = {}
    for gid, pupils in week_rows.items():
        group = all_groups.get(gid)
        if group is None or group.year_group not in KEY_STAGES:
            continue
        t = totals(pupils.values())
        stage = KEY_STAGES[group.year_group]
        held = best.get(stage)
        if t.attendance is not None and (
            held is None
            or t.attendance > held.week.attendance
            or (t.attendance == held.week.attendance and group.name < held.group.name)
        ):
            best[stage] = Best(stage, group, t)
    order = list(dict.fromkeys(KEY_STAGES.values()))
    ranked = sorted(best.values(), key=lambda b: order.index(b.key_stage))
    return figures, ranked, week, term, last_week
