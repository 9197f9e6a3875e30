from django.http import Http404
from django.shortcuts import render

from registers.permissions import roles_required
from registers.tenancy import trust_scope

from ..roles import ROLES_TRUST
from ..selectors.figures import FIELD_LABELS, FIELDS
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
        "trust": trust,
        "figures": figures,
        "by": by,
        "by_label": FIELD_LABELS[by],
        "fields": [(f, FIELD_LABELS[f]) for f in FIELDS],
        "table": table,
        "period_choices": CHOICES,
        "period_kind": request.GET.get("period", "ytd"),
        "weeks": request.GET.get("weeks", "4"),
    }
    return render(request, "reporting/trust.html", context)
