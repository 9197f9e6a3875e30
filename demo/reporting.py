"""Demo data of the reporting app (demo/extras.py)."""

from __future__ import annotations

from decimal import Decimal


def add(ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(comparison_figures(ctx) or {})
    return counts


# Made-up national and local-authority figures, in the range the published statistics
# are in, labelled SAMPLE on every page that shows them (ComparisonFigure.sample).
SAMPLE = {
    "national": ("93.10", "4.90", "2.00", "15.00", "1.20"),
    "la": ("92.80", "5.00", "2.20", "16.40", "1.40"),
}
SOURCE = "SAMPLE figures for the demo, not published statistics"


def comparison_figures(ctx) -> dict[str, int]:
    """England's and the school's local authority's figures for its phase and the
    demo's academic year, created once (shared by the demo's schools)."""
    from reporting.models import ComparisonFigure

    school, today = ctx.school, ctx.today
    first = today.year if today.month >= 9 else today.year - 1
    year = f"{first}/{(first + 1) % 100:02d}"
    made = 0
    for area, la_code in (("national", ""), ("la", school.la_code)):
        if area == "la" and not la_code:
            continue
        values = dict(
            zip(
                ("attendance_pct", "authorised_pct", "unauthorised_pct",
                 "persistent_absence_rate", "severe_absence_rate"),
                (Decimal(v) for v in SAMPLE[area]),
                strict=True,
            )
        )  # fmt: skip
        _, created = ComparisonFigure.objects.get_or_create(
            area=area, la_code=la_code, phase=school.phase, academic_year=year,
            defaults={**values, "source": SOURCE, "sample": True},
        )  # fmt: skip
        made += created
    return {"comparison figures (SAMPLE)": made}
