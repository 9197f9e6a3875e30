"""Demo data of the reporting app (demo/extras.py)."""

from __future__ import annotations

from decimal import Decimal
from random import Random


def add(ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(comparison_figures(ctx) or {})
    counts.update(pupil_ethnicities(ctx) or {})
    return counts


# DfE ethnicity codes (census / daily attendance data share) with weights roughly as
# in England's primary schools: most pupils White British, a spread of the others, a few
# refused or not obtained.
ETHNICITY_WEIGHTS = {
    "WBRI": 62, "WIRI": 1, "WROM": 1, "WOTH": 6, "MWBC": 2, "MWBA": 1, "MWAS": 2,
    "MOTH": 2, "AIND": 4, "APKN": 5, "ABAN": 2, "AOTH": 2, "BCRB": 1, "BAFR": 4,
    "BOTH": 1, "CHNE": 1, "OOTH": 2, "REFU": 1,
}  # fmt: skip


def pupil_ethnicities(ctx) -> dict[str, int]:
    """Every demo pupil without one gets a DfE ethnicity code, drawn deterministically
    from a copy of the demo's seeded generator (the build's own draws are not moved)."""
    from registers.models import Pupil

    rng = Random()
    rng.setstate(ctx.rng.getstate())
    codes, weights = list(ETHNICITY_WEIGHTS), list(ETHNICITY_WEIGHTS.values())
    pupils = list(Pupil.objects.filter(school=ctx.school, ethnicity="").order_by("pk"))
    for pupil in pupils:
        pupil.ethnicity = rng.choices(codes, weights)[0]
    Pupil.objects.bulk_update(pupils, ["ethnicity"], batch_size=500)
    return {"pupils' ethnicity (DfE codes)": len(pupils)}


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
