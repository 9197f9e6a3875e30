from django.shortcuts import render

from registers import selectors
from registers.access import access_record
from registers.models import AccessEvent
from registers.permissions import roles_required

from .. import charts
from ..roles import ROLES_DASHBOARD
from ..selectors.cases import open_cases
from ..selectors.dashboard import LIST_TITLES
from ..selectors.dashboard import dashboard as dashboard_figures
from ..selectors.figures import FIELD_LABELS, FIELD_PHRASES
from .common import period_context

LIST_SHOWN = 50


def _sentence_gap(label, rows):
    """The breakdown's one-line summary: the group furthest below the rest (`label` as
    it reads in a sentence: "special educational needs")."""
    gaps = [r for r in rows if r.gap is not None]
    if not rows:
        return "No pupil has possible sessions in this period."
    if not gaps:
        only = rows[0]
        return (
            f"All {only.totals.pupils} pupils counted are in one group ({only.label}): "
            "there is no rest of the school to compare with."
        )
    worst = min(gaps, key=lambda r: r.gap)
    if worst.gap >= 0:
        return f"No {label} group attends less than the rest of the school."
    return (
        f"By {label}, the pupils of the group “{worst.label}” attend least: "
        f"{worst.totals.attendance_pct}%, {abs(worst.gap)} points below the rest of the school."
    )


@roles_required(ROLES_DASHBOARD)
def dashboard(request, school_slug):
    school = request.school
    period, context = period_context(request, school)
    if period.bounds is None:
        return render(request, "reporting/dashboard.html", {**context, "d": None})
    b = period.bounds
    d = dashboard_figures(school=school, start=b.start, end=b.end, today=context["today"])
    # The page names pupils (its lists): who looked, and at which period.
    access_record(
        request=request,
        kind=AccessEvent.Kind.PUPIL_LIST_VIEWED,
        description=f"Attendance figures and lists of pupils: {period.label}",
    )
    target = school.attendance_target
    breakdowns = []
    for by, rows in d.breakdowns.items():
        label, phrase = FIELD_LABELS[by], FIELD_PHRASES[by]
        breakdowns.append(
            {
                "by": by,
                "label": label,
                "phrase": phrase,
                "rows": rows,
                "sentence": _sentence_gap(phrase, rows),
                "chart": charts.bars(
                    [(r.label, r.totals.attendance_pct) for r in rows],
                    title=f"Attendance by {phrase}",
                    desc=f"Attendance % of each {phrase} group; the dashed line is the "
                    f"school's target of {target}%.",
                    target=target,
                ),
            }
        )
    weeks = [(c.label, c.attendance_pct) for c in d.weeks]
    trend_sentence = "No weeks with possible sessions in this period."
    scored = [(label, v) for label, v in weeks if v is not None]
    if scored:
        low = min(scored, key=lambda w: w[1])
        high = max(scored, key=lambda w: w[1])
        trend_sentence = (
            f"Weekly attendance ranged from {low[1]}% ({low[0]}) to {high[1]}% ({high[0]}); "
            f"the latest week was {scored[-1][1]}%."
        )
    grid_rows = [(row[0].label.split()[0], [(c.label.split()[1], c.attendance_pct) for c in row])
                 for row in d.weekday_session]  # fmt: skip
    grid_cells = [c for row in d.weekday_session for c in row if c.attendance_pct is not None]
    grid_sentence = "No sessions in this period."
    if grid_cells:
        worst = min(grid_cells, key=lambda c: c.totals.attendance)
        grid_sentence = (
            f"The lowest attendance is on {worst.label} sessions: {worst.attendance_pct}%."
        )
    context.update(
        {
            "d": d,
            "target": target,
            "breakdowns": breakdowns,
            "trend_chart": charts.columns(
                weeks,
                title="Attendance week by week",
                desc=f"Attendance % each school week; the line is the target of {target}%.",
                target=target,
            ),
            "trend_sentence": trend_sentence,
            "grid_chart": charts.grid(
                grid_rows,
                title="Attendance by weekday and session",
                desc="Attendance % of each weekday's morning and afternoon sessions.",
                target=target,
            ),
            "grid_sentence": grid_sentence,
            "lists": [
                {
                    "key": k,
                    "title": LIST_TITLES[k],
                    "lines": d.lists[k][:LIST_SHOWN],
                    "count": len(d.lists[k]),
                }
                for k in LIST_TITLES
            ],  # fmt: skip
            "list_shown": LIST_SHOWN,
            "cases": open_cases(school=school),
            "today_local": selectors.local_today(school),
        }
    )
    return render(request, "reporting/dashboard.html", context)
