"""The returns and the daily extract through the API (`reporting.returns`): the same rows
as the commands `census_return`, `la_return` and `daily_extract`, as JSON lists. Each
download of pupil-level rows is written to the access log."""

from __future__ import annotations

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from registers.access import access_record
from registers.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    SchoolAPIView,
    check_order,
    date_param,
)
from registers.models import AccessEvent
from registers.selectors import local_today

from .exports import json_value
from .returns import (
    LA_RETURNS,
    ROLES_RETURNS,
    census_periods,
    census_rows,
    daily_extract_rows,
    la_rows,
)

ROWS = OpenApiResponse(
    response=build_array_type(build_basic_type(OpenApiTypes.OBJECT)),
    description="One object per row, with the command's columns as keys.",
)
RESPONSES = {200: ROWS, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


class ReturnView(SchoolAPIView):
    read_roles = ROLES_RETURNS

    def rows_response(self, request, rows: list[dict], description: str) -> Response:
        access_record(
            request=request, kind=AccessEvent.Kind.EXPORT_DOWNLOADED, description=description
        )
        return Response([{k: json_value(v) for k, v in row.items()} for row in rows])


@extend_schema(
    summary="The census-style pupil return for a range or one of the school's terms",
    tags=["reports"],
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day, YYYY-MM-DD."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day; default today."),
        OpenApiParameter("term", str, description="A term's name instead of from/to."),
    ],
    responses=RESPONSES,
)
class CensusReturn(ReturnView):
    def get(self, request, school_slug):
        school = request.school
        end = date_param(request, "to", local_today(school))
        term = request.query_params.get("term", "").strip()
        if term:
            periods = {p.name.casefold(): p for p in census_periods(school=school, day=end)}
            if term.casefold() not in periods:
                names = ", ".join(p.name for p in periods.values()) or "none set up"
                raise ValidationError({"term": [f"No term {term!r} that year (terms: {names})."]})
            start, end = periods[term.casefold()].start, periods[term.casefold()].end
        else:
            start = date_param(request, "from")
            if start is None:
                raise ValidationError({"from": ["Give the first day, or a term."]})
        check_order(start, end)
        rows = census_rows(school=school, start=start, end=end)
        return self.rows_response(request, rows, f"census return {start} to {end}")


@extend_schema(
    summary="A local-authority return as of a date",
    tags=["reports"],
    parameters=[
        OpenApiParameter("kind", str, enum=list(LA_RETURNS), required=True),
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today."),
    ],
    responses=RESPONSES,
)
class LocalAuthorityReturn(ReturnView):
    def get(self, request, school_slug):
        kind = request.query_params.get("kind", "")
        if kind not in LA_RETURNS:
            raise ValidationError({"kind": [f"Use one of {', '.join(LA_RETURNS)}."]})
        as_of = date_param(request, "as_of", local_today(request.school))
        rows = la_rows(school=request.school, kind=kind, as_of=as_of)
        return self.rows_response(request, rows, f"{kind} return as of {as_of}")


@extend_schema(
    summary="One day in the shape of the national daily attendance data share",
    tags=["reports"],
    parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today.")],
    responses=RESPONSES,
)
class DailyExtract(ReturnView):
    def get(self, request, school_slug):
        day = date_param(request, "date", local_today(request.school))
        rows = daily_extract_rows(school=request.school, day=day)
        return self.rows_response(request, rows, f"daily extract {day}")
