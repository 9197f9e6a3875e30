"""Demo data of the escalation app (demo/extras.py)."""

from __future__ import annotations

from datetime import timedelta


def add(ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(ladder_nights(ctx))
    return counts


def ladder_nights(ctx) -> dict[str, int]:
    """Real cases on the school's ladder (its preset: `blue-sky` for the demo trust): the
    nightly job (`escalation.services.run.run_escalation`) run, in date order, on the
    nights of this school year that matter: each calendar point of the policy (the
    reviews of BS-28..BS-34, the PA letters of BS-42/43), every Friday (the nightly
    lateness, penalty-notice and welfare rules) and the last school day before today. So
    the lead's queue opens on last night's proposals, and cases have a stage history
    with the figures that moved them. Nothing is invented: every decision comes from the
    demo's marks and the preset."""
    from escalation.engine import points
    from escalation.services.run import policy_for, run_escalation
    from registers.metrics import SchoolCalendar

    calendar = SchoolCalendar(ctx.school)
    yesterday = ctx.today - timedelta(days=1)
    start = calendar.year(yesterday)[0]
    days = [day for day in calendar.days if start <= day <= yesterday]
    if not days:
        return {}
    whens = {r.when for r in policy_for(school=ctx.school).ladder() if r.when.point != "nightly"}
    nights = {day for day in days if any(points.is_point(calendar, day, w) for w in whens)}
    nights |= {days[max(0, len(days) - 11)], days[-1]}
    decided = 0
    for day in sorted(nights):
        decided += len(run_escalation(school=ctx.school, as_of=day).decisions)
    return {"escalation nights run": len(nights), "escalation decisions": decided}
