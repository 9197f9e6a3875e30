"""The dashboard's tables as files (CSV or XLSX), with the page's period applied: the
same selectors as the page, written by `reporting.tables`."""

from django.http import Http404, HttpResponse

from registers.access import access_record
from registers.models import AccessEvent
from registers.permissions import roles_required

from ..roles import ROLES_DASHBOARD
from ..selectors.cases import open_cases
from ..selectors.dashboard import LIST_TITLES, dashboard
from ..selectors.figures import FIELDS, breakdown
from ..tables import FORMATS, write_table
from .common import period_context

# Each file carries what its table on the page shows, in the page's words (groups by
# their labels: "Reception", "Year 1"), with both the counts and the percentages, full
# dates, and no column that is always empty.
BREAKDOWN_FILE_COLUMNS = [
    "group", "pupils", "possible", "attended", "attendance_pct", "gap_to_rest_points",
    "authorised", "authorised_pct", "unauthorised", "unauthorised_pct",
    "persistent_absentees", "persistent_absence_rate", "severe_absentees",
    "severe_absence_rate",
]  # fmt: skip
LIST_COLUMNS = ["upn", "name", "year_group", "attendance_pct", "absent_sessions"]
WEEK_COLUMNS = ["week_beginning", "possible", "attended", "attendance_pct"]
CASE_COLUMNS = ["track", "stage", "upn", "name"]


def _breakdown(school, b, query):
    by = query.get("by", "")
    if by not in FIELDS:
        raise Http404("No such breakdown.")
    rows = breakdown(school=school, start=b.start, end=b.end, by=by)
    return f"by {by}", BREAKDOWN_FILE_COLUMNS, [
        {"group": r.label, "pupils": r.totals.pupils, "possible": r.totals.summary.possible,
         "attended": r.totals.summary.attended, "attendance_pct": r.totals.attendance_pct,
         "gap_to_rest_points": r.gap, "authorised": r.totals.summary.authorised,
         "authorised_pct": r.totals.authorised_pct,
         "unauthorised": r.totals.summary.unauthorised,
         "unauthorised_pct": r.totals.unauthorised_pct,
         "persistent_absentees": r.totals.persistent,
         "persistent_absence_rate": r.totals.persistent_rate_pct,
         "severe_absentees": r.totals.severe, "severe_absence_rate": r.totals.severe_rate_pct}
        for r in rows
    ]  # fmt: skip


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
    # the list's detail (N sessions, the trend) only where the list has one
    columns = LIST_COLUMNS + (["detail"] if any(p.detail for p in lines) else [])
    return key, columns, rows


def _weeks(school, b, today):
    weeks = dashboard(school=school, start=b.start, end=b.end, today=today).weeks
    rows = [
        {"week_beginning": w.day, "possible": w.totals.summary.possible,
         "attended": w.totals.summary.attended, "attendance_pct": w.attendance_pct}
        for w in weeks
    ]  # fmt: skip
    return "weeks", WEEK_COLUMNS, rows


def _cases(school):
    rows = [
        {"track": g.track, "stage": g.stage, "upn": upn, "name": name}
        for g in open_cases(school=school)
        for pid, name in g.pupils
        for upn in [g.upns.get(pid, "")]
    ]
    return "open cases", CASE_COLUMNS, rows


@roles_required(ROLES_DASHBOARD)
def download(request, school_slug):
    """?table=breakdown&by=FIELD | table=list&list=KEY | table=weeks | table=cases (open
    escalation cases by stage), &format=csv|xlsx,
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
    elif table == "cases":
        name, columns, rows = _cases(school)
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
