"""Reading absence reports and finding pupils for the office's page and the API.

Each function is a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import and_

from django.db.models import Q, QuerySet

from registers.models import Pupil, School

from ..models import AbsenceReport

# Enough to pick from; more means "type more of the name".
SEARCH_LIMIT = 15
MAX_QUERY = 100


def pupil_search(*, school: School, query: str, today: date, limit: int = SEARCH_LIMIT):
    """Pupils on roll `today` matching every word of `query` (a name, preferred or legal,
    a UPN, or a registration group: "4B", "Amir 4B", "ahm"), or whose registration group
    is named by the whole query ("Ash 3", "oak r": group names can hold spaces), by
    surname. Returns (pupils, more): at most `limit` pupils, and whether more matched.
    One query."""
    words = query.split()[:5]
    if not words or len(query) > MAX_QUERY:
        return [], False
    matches = [
        Q(legal_forename__istartswith=w)
        | Q(legal_surname__istartswith=w)
        | Q(preferred_forename__istartswith=w)
        | Q(preferred_surname__istartswith=w)
        | Q(upn__iexact=w)
        | Q(registration_group__name__iexact=w)
        for w in words
    ]
    whole_group = Q(registration_group__name__iexact=" ".join(words))
    on_roll = Q(on_roll_from__lte=today) & (Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=today))
    found = list(
        Pupil.objects.filter(on_roll, reduce(and_, matches) | whole_group, school=school)
        .select_related("registration_group")
        .order_by("legal_surname", "legal_forename", "pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def _reports(school: School) -> QuerySet[AbsenceReport]:
    return AbsenceReport.objects.filter(school=school).select_related(
        "pupil__registration_group", "reason", "contact", "created_by", "decided_by"
    )


def reports_today(*, school: School, today: date, start, end) -> list[AbsenceReport]:
    """The reports the office sees for today: accepted or withdrawn ones covering today or
    logged today (`start`..`end`: today's bounds as aware datetimes), newest first.
    Pending parents' reports are listed by `reports_pending`. One query."""
    covering = Q(first_day__lte=today, last_day__gte=today)
    logged = Q(created_at__gte=start, created_at__lt=end)
    return list(
        _reports(school)
        .filter(covering | logged)
        .exclude(status=AbsenceReport.Status.PENDING)
        .order_by("-created_at", "-pk")
    )


def reports_pending(*, school: School) -> list[AbsenceReport]:
    """Parents' reports awaiting the office, oldest first (the first in is the first
    seen to). One query."""
    return list(
        _reports(school).filter(status=AbsenceReport.Status.PENDING).order_by("created_at", "pk")
    )


def reports_for_pupil(*, school: School, pupil: Pupil, limit: int = 10) -> list[AbsenceReport]:
    """A pupil's most recent reports, newest first. One query."""
    return list(_reports(school).filter(pupil=pupil).order_by("-first_day", "-pk")[:limit])


def report_list(
    *,
    school: School,
    status: str | None = None,
    pupil_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> QuerySet[AbsenceReport]:
    """Reports for the API: filtered by status, pupil, and the days they cover."""
    query = _reports(school)
    filters = [
        Q(status=status) if status else None,
        Q(pupil_id=pupil_id) if pupil_id else None,
        Q(last_day__gte=day_from) if day_from else None,
        Q(first_day__lte=day_to) if day_to else None,
    ]
    filters = [f for f in filters if f is not None]
    if filters:
        query = query.filter(reduce(and_, filters))
    return query.order_by("-created_at", "-pk")


def report_get(*, school: School, report_id: int) -> AbsenceReport | None:
    return _reports(school).filter(pk=report_id).first()
