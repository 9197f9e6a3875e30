"""The governors' termly report: the dashboard's headline figures, breakdowns and trends
for a period, as one PDF printed by the letters' renderer (WeasyPrint, our own trusted
layout `reporting/pdf/governors.html`; the charts are the dashboard's server-drawn SVG).

No pupil is named: governors see figures, not children. Groups of fewer than
SMALL_GROUP pupils are shown without their percentages, as published statistics do, so a
figure cannot point at one child.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from letters.rendering import html_to_pdf
from registers.access import access_record
from registers.models import AccessEvent
from registers.permissions import roles_required

from . import charts
from .returns import recent_census_periods
from .roles import ROLES_DASHBOARD
from .selectors.dashboard import Dashboard, dashboard
from .selectors.figures import FIELD_LABELS
from .views.common import period_context

SMALL_GROUP = 5
# The breakdowns governors are asked about (Ofsted's and the DfE's groups).
GOVERNOR_BREAKDOWNS = (
    "year_group",
    "sex",
    "sen",
    "fsm",
    "eal",
    "looked_after",
    "child_in_need",
    "young_carer",
)


def report_context(d: Dashboard, *, period_label: str) -> dict:
    """The report's figures and charts for the template (no pupil-level data)."""
    target = d.school.attendance_target
    sections = []
    for by in GOVERNOR_BREAKDOWNS:
        rows = [r for r in d.breakdowns.get(by, []) if r.totals.pupils]
        label = FIELD_LABELS[by]
        # One small group hides the whole breakdown's figures: the others' figures and
        # the school's headline would give the small group's away by subtraction.
        suppressed = any(r.totals.pupils < SMALL_GROUP for r in rows)
        shown = [] if suppressed else rows
        sections.append(
            {
                "label": label,
                "rows": rows,
                "suppressed": suppressed,
                "small": SMALL_GROUP,
                "chart": charts.bars(
                    [(r.label, r.totals.attendance_pct) for r in shown],
                    title=f"Attendance by {label.lower()}",
                    desc=f"Attendance % of each {label.lower()} group of {SMALL_GROUP} or more "
                    f"pupils; the dashed line is the target of {target}%.",
                    target=target,
                )
                if shown
                else "",
            }
        )
    weeks = [(c.label, c.attendance_pct) for c in d.weeks]
    return {
        "school": d.school,
        "d": d,
        "period_label": period_label,
        "target": target,
        "sections": sections,
        "trend_chart": charts.columns(
            weeks,
            title="Attendance week by week",
            desc=f"Attendance % each school week; the line is the target of {target}%.",
            target=target,
        ),
        "written": timezone.localtime(),
    }


def governors_pdf(*, d: Dashboard, period_label: str) -> bytes:
    html = render_to_string(
        "reporting/pdf/governors.html", report_context(d, period_label=period_label)
    )
    pdf, _pages, _missing = html_to_pdf(html)
    return pdf


@roles_required(ROLES_DASHBOARD)
def governors_report(request, school_slug):
    """GET with the dashboard's period query: the PDF; without a period, or with one the
    school's calendar cannot give (a range backwards, no school days): the form, with
    what to put right, and the school's recent terms as one-click choices."""
    school = request.school
    period, context = period_context(request, school)
    asked = "period" in request.GET
    if not asked or period.bounds is None or period.problem:
        context["terms"] = recent_census_periods(school=school, day=context["today"])
        status = 400 if asked else 200
        return render(request, "reporting/governors.html", context, status=status)
    b = period.bounds
    d = dashboard(school=school, start=b.start, end=b.end, today=context["today"])
    label = period.label
    pdf = governors_pdf(d=d, period_label=label)
    access_record(
        request=request,
        kind=AccessEvent.Kind.EXPORT_DOWNLOADED,
        description=f"governors' report {b.start} to {b.end}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{school.slug}-governors-report-{b.start}-to-{b.end}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
