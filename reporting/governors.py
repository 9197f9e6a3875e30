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
from .roles import ROLES_DASHBOARD
from .selectors.dashboard import Dashboard, dashboard
from .selectors.figures import FIELD_LABELS
from .views.common import period_context

SMALL_GROUP = 5
# The breakdowns governors are asked about (Ofsted's and the DfE's groups).
GOVERNOR_BREAKDOWNS = ("year_group", "sex", "sen", "fsm", "eal", "looked_after", "child_in_need")


def report_context(d: Dashboard, *, period_label: str) -> dict:
    """The report's figures and charts for the template (no pupil-level data)."""
    target = d.school.attendance_target
    sections = []
    for by in GOVERNOR_BREAKDOWNS:
        rows = [r for r in d.breakdowns.get(by, []) if r.totals.pupils]
        label = FIELD_LABELS[by]
        shown = [r for r in rows if r.totals.pupils >= SMALL_GROUP]
        sections.append(
            {
                "label": label,
                "rows": rows,
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
    """GET with the dashboard's period query: the PDF; without a valid period: the form."""
    school = request.school
    period, context = period_context(request, school)
    if period.bounds is None or "period" not in request.GET:
        return render(request, "reporting/governors.html", context)
    b = period.bounds
    d = dashboard(school=school, start=b.start, end=b.end, today=context["today"])
    label = f"{b.start:%-d %B %Y} to {b.end:%-d %B %Y}"
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
