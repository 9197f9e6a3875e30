"""Figures by registration group, the group as dated on each session (DESIGN.md §4, §9
attendance_breakdown: "registration group as dated on each session").

A pupil who moved from Ash to Birch in March counts in Ash for the sessions before the
move and in Birch from it; each mark is counted in the group whose spell covers its day.
The counting itself is `registers.stats` (one definition of "possible").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, OuterRef, Q, Subquery

from .models import GroupMembership
from .stats import Summary, marks_on_roll


def summarise_by_group(
    *, school, start: date, end: date, pupils: Iterable | None = None
) -> dict[int | None, dict[int, Summary]]:
    """{group id: {pupil id: Summary of that pupil's marks while in that group}} over
    the range, counting only sessions while each pupil was on roll (as `stats.summarise`).
    Marks on days the pupil was in no group are under None. A pupil appears under each
    group they had a mark in. One query, for any number of pupils or groups.
    """
    spell = GroupMembership.objects.filter(
        Q(ends__isnull=True) | Q(ends__gte=OuterRef("date")),
        school=school,
        pupil_id=OuterRef("pupil_id"),
        starts__lte=OuterRef("date"),
    )
    rows = (
        marks_on_roll(school=school, start=start, end=end, pupils=pupils)
        .annotate(group_then=Subquery(spell.values("group_id")[:1]))
        .order_by()
        .values_list("group_then", "pupil_id", "code_id")
        .annotate(n=Count("id"))
    )
    groups: dict[int | None, dict[int, Summary]] = {}
    for group_id, pupil_id, code, n in rows:
        by_pupil = groups.setdefault(group_id, {})
        by_pupil.setdefault(pupil_id, Summary(pupil_id=pupil_id)).add(code, n)
    return groups
