"""The dashboard's figures through the API (`/api/v1/schools/<slug>/reports/...`): the
same selectors as the pages, so an integration and the attendance lead never disagree.

Every endpoint takes the dashboard's period: `?period=ytd|term|half_term|weeks|range`
with `weeks=N` or `from=` / `to=` (YYYY-MM-DD); an unreadable period is a 400 naming the
parameter (the page falls back to the year instead).
"""

from __future__ import annotations

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from registers import metrics, stats
from registers.access import access_record
from registers.api.views import BAD_REQUEST, FORBIDDEN, NOT_FOUND, SchoolAPIView
from registers.models import AccessEvent
from registers.selectors import local_today

from .exports import json_value
from .roles import ROLES_DASHBOARD
from .selectors.dashboard import LIST_TITLES, dashboard
from .selectors.figures import FIELDS, breakdown, totals
from .selectors.periods import CHOICES, period_from_query

PERIOD = [
    OpenApiParameter("period", str, enum=[c for c, _ in CHOICES], description="Default ytd."),
    OpenApiParameter("weeks", int, description="School weeks, with period=weeks (1-52)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="With period=range."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="With period=range."),
]
OBJECT = OpenApiResponse(response=build_basic_type(OpenApiTypes.OBJECT))
ROWS = OpenApiResponse(response=build_array_type(build_basic_type(OpenApiTypes.OBJECT)))


def _clean(row: dict) -> dict:
    return {k: json_value(v) for k, v in row.items()}


class ReportView(SchoolAPIView):
    read_roles = ROLES_DASHBOARD

    def period(self, request):
        school = request.school
        period = period_from_query(
            request.query_params,
            calendar=metrics.SchoolCalendar(school),
            today=local_today(school),
        )
        if period.problem:
            raise ValidationError({"period": [period.problem]})
        if period.bounds is None:
            raise ValidationError({"period": ["The calendar has no school days in it yet."]})
        return period


def summary_row(whole, school) -> dict:
    s = whole.summary
    return {
        "pupils": whole.pupils,
        "possible": s.possible,
        "attended": s.attended,
        "authorised": s.authorised,
        "unauthorised": s.unauthorised,
        "attendance_pct": whole.attendance_pct,
        "authorised_pct": whole.authorised_pct,
        "unauthorised_pct": whole.unauthorised_pct,
        "persistent_absentees": whole.persistent,
        "persistent_absence_rate": whole.persistent_rate_pct,
        "severe_absentees": whole.severe,
        "severe_absence_rate": whole.severe_rate_pct,
        "lates": whole.lates,
        "target_pct": school.attendance_target,
    }


@extend_schema(
    summary="The school's headline figures for a period",
    tags=["reports"],
    parameters=PERIOD,
    responses={200: OBJECT, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
)
class Summary(ReportView):
    def get(self, request, school_slug):
        period = self.period(request)
        b = period.bounds
        whole = totals(stats.summarise(school=request.school, start=b.start, end=b.end).values())
        body = {"from": b.start, "to": b.end, "period": period.kind}
        return Response(_clean({**body, **summary_row(whole, request.school)}))


@extend_schema(
    summary="The school's figures by one characteristic (as attendance_breakdown)",
    tags=["reports"],
    parameters=[*PERIOD, OpenApiParameter("by", str, enum=list(FIELDS), required=True)],
    responses={200: ROWS, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
)
class Breakdown(ReportView):
    def get(self, request, school_slug):
        by = request.query_params.get("by", "")
        if by not in FIELDS:
            raise ValidationError({"by": [f"One of {', '.join(FIELDS)}."]})
        b = self.period(request).bounds
        rows = breakdown(school=request.school, start=b.start, end=b.end, by=by)
        return Response([_clean(r.as_row()) for r in rows])


@extend_schema(
    summary="The dashboard's lists of pupils (persistent, severe, at risk, ...)",
    tags=["reports"],
    parameters=[*PERIOD, OpenApiParameter("list", str, enum=list(LIST_TITLES))],
    responses={200: OBJECT, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
)
class Lists(ReportView):
    def get(self, request, school_slug):
        wanted = request.query_params.get("list", "")
        if wanted and wanted not in LIST_TITLES:
            raise ValidationError({"list": [f"One of {', '.join(LIST_TITLES)}."]})
        b = self.period(request).bounds
        school = request.school
        d = dashboard(school=school, start=b.start, end=b.end, today=local_today(school))
        keys = [wanted] if wanted else list(LIST_TITLES)
        access_record(
            request=request,
            kind=AccessEvent.Kind.PUPIL_LIST_VIEWED,
            description=f"Reports API lists ({', '.join(keys)}) {b.start} to {b.end}",
        )
        return Response(
            {
                key: [
                    _clean(
                        {
                            "pupil_id": line.pupil_id,
                            "upn": line.upn,
                            "name": line.name,
                            "year_group": line.year_group,
                            "attendance_pct": line.attendance_pct,
                            "absent": line.absent,
                            "detail": line.detail,
                        }
                    )
                    for line in d.lists[key]
                ]
                for key in keys
            }
        )
