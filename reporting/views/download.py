"""The dashboard's tables as files (CSV or XLSX), with the page's period applied: the
same selectors as the page, written by `reporting.tables`."""

from django.http import Http404, HttpResponse

from registers.access import access_record
from registers.models import AccessEvent
from registers.permissions import roles_required

from ..roles import ROLES_DASHBOARD
from ..selectors.dashboard import LIST_TITLES, dashboard
from ..selectors.figures import BREAKDOWN_COLUMNS, FIELDS, breakdown
from ..tables import FORMATS, write_table
from .common import period_context

LIST_COLUMNS = ["upn", "name", "year_group", "attendance_pct", "absent_sessions", "detail"]
WEEK_COLUMNS = ["week", "possible", "attended", "attendance_pct"]


def _breakdown(school, b, query):
    by = query.get("by", "")
    if by not in FIELDS:
        raise Http404("No such breakdown.")
    rows = breakdown(school=school, start=b.start, end=b.end, by=by)
    columns = [*BREAKDOWN_COLUMNS, "gap_to_rest_points"]
    return f"by {by}", columns, [{**r.as_row(), "gap_to_rest_points": r.gap} for r in rows]


def _list(school, b, query, today):
    key = query.get("list", "")
    if key not in LIST_TITLES:
        raise Http404("No such list.")
    lines = dashboard(school=school, start=b.start, end=b.end, today=today).lists[key]
    rows = [
        {"upn": p.upn, "name": p.name, "year_group": p.year_group,
         "attendance_pct": p.attendance_pct, "absent_sessions": p.absent, "detail": p.detail}
        for p in lines
    ]  # fmt: skip
    return key, LIST_COLUMNS, rows


def _weeks(school, b, today):
    weeks = dashboard(school=school, start=b.start, end=b.end, today=today).weeks
    rows = [
        {"week": w.label.removeprefix("w/c "), "possible": w.totals.summary.possible,
         "attended": w.totals.summary.attended, "attendance_pct": w.attendance_pct}
        for w in weeks
    ]  # fmt: skip
    return "weeks", WEEK_COLUMNS, rows


@roles_required(ROLES_DASHBOARD)
def download(request, school_slug):
    """?table=breakdown&by=FIELD | table=list&list=KEY | table=weeks, &format=csv|xlsx,
    and the dashboard's period parameters."""
    school = request.school
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404("No such format.")
    period, context = period_context(request, school)
    if period.bounds is None:
        raise Http404("No school days in this period.")
    b, table = period.bounds, request.GET.get("table", "")
    if table == "breakdown":
        name, columns, rows = _breakdown(school, b, request.GET)
    elif table == "list":
        name, columns, rows = _list(school, b, request.GET, context["today"])
    elif table == "weeks":
        name, columns, rows = _weeks(school, b, context["today"])
    else:
        raise Http404("No such table.")
    content_type, ext = FORMATS[fmt]
    filename = f"{school.slug}-{name.replace(' ', '-')}-{b.start}-{b.end}.{ext}"
    access_record(
        request=request,
        kind=AccessEvent.Kind.EXPORT_DOWNLOADED,
        description=f"Attendance figures {name} ({fmt}): {period.label}",
    )
    response = HttpResponse(write_table(fmt, name, columns, rows), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
