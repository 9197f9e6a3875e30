from django.http import Http404
from django.shortcuts import render

from registers.permissions import roles_required
from registers.tenancy import trust_scope

from ..roles import ROLES_TRUST
from ..selectors.figures import FIELD_LABELS, FIELD_PHRASES, FIELDS
from ..selectors.periods import CHOICES
from ..selectors.trust import trust_figures, trust_schools


@roles_required(ROLES_TRUST)
def trust(request, school_slug):
    """The trust's schools side by side (reached from any of its schools: the trust
    lead's role there is their trust's, so another trust's schools are never listed)."""
    trust = request.school.trust
    if trust is None:
        raise Http404("This school is in no trust.")
    by = request.GET.get("by", "year_group")
    if by not in FIELDS:
        by = "year_group"
    schools = trust_schools(trust)
    with trust_scope(schools):
        figures = trust_figures(schools=schools, query=request.GET, by=by)
    # The form's period (and what could not be read of it) as this school reads it; each
    # school's row resolves the same query against its own calendar.
    period = next(f.period for f in figures if f.school.pk == request.school.pk)
    values = []
    for f in figures:
        for row in f.rows:
            if row.label not in values:
                values.append(row.label)
    table = [
        (label, [next((r for r in f.rows if r.label == label), None) for f in figures])
        for label in values
    ]
    context = {
        "period": period,
        "period_choices": CHOICES,
        "trust": trust,
        "figures": figures,
        "by": by,
        "by_label": FIELD_LABELS[by],
        "by_phrase": FIELD_PHRASES[by],
        "fields": [(f, FIELD_LABELS[f]) for f in FIELDS],
        "table": table,
    }
    return render(request, "reporting/trust.html", context)
