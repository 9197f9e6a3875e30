"""The access log page: /<school>/access-log/ (school administrator, headteacher).

Search by person, pupil, kind and date range; `?format=csv` exports what the search
finds (and that export is itself logged). Rows come from `registers.access`.
"""

import csv
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from .access import access_record
from .models import ROLES_SCHOOL_ADMIN, AccessEvent, Pupil
from .permissions import roles_required
from .selectors import name_or_upn_matches
from .validation import validate_plausible_date

PAGE_ROWS = 200
CSV_COLUMNS = [
    "when",
    "person",
    "roles",
    "what",
    "outcome",
    "pupil_upn",
    "pupil",
    "details",
    "safeguarding_fields",
    "ip",
    "browser",
]


class AccessSearchForm(forms.Form):
    person = forms.CharField(label="Person", max_length=100, required=False)
    pupil = forms.CharField(label="Pupil (name or UPN)", max_length=100, required=False)
    kind = forms.ChoiceField(
        label="What", choices=[("", "Anything"), *AccessEvent.Kind.choices], required=False
    )
    safeguarding = forms.BooleanField(label="Safeguarding fields read", required=False)
    start = forms.DateField(
        label="From",
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label="To",
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day comes before the first.")
        return data


def access_events(*, school, search: dict):
    """The school's access log, newest first, narrowed by the search form's values."""
    rows = AccessEvent.objects.filter(school=school).select_related("pupil")
    tz = ZoneInfo(school.timezone)
    if search.get("person"):
        rows = rows.filter(name__icontains=search["person"])
    if search.get("pupil"):
        pupils = Pupil.objects.filter(school=school).filter(name_or_upn_matches(search["pupil"]))
        rows = rows.filter(pupil__in=pupils)
    if search.get("kind"):
        rows = rows.filter(kind=search["kind"])
    if search.get("safeguarding"):
        rows = rows.exclude(safeguarding_fields="")
    if search.get("start"):
        rows = rows.filter(at__gte=datetime.combine(search["start"], time.min, tz))
    if search.get("end"):
        next_day = search["end"] + timedelta(days=1)
        rows = rows.filter(at__lt=datetime.combine(next_day, time.min, tz))
    return rows.order_by("-at", "-pk")


@roles_required(ROLES_SCHOOL_ADMIN)
def access_log(request, school_slug):
    school = request.school
    form = AccessSearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "registers/access_log.html", {"form": form}, status=400)
    search = form.cleaned_data if request.GET else {}
    rows = access_events(school=school, search=search)
    if request.GET.get("format") == "csv":
        return _csv(request, rows, school)
    return render(
        request,
        "registers/access_log.html",
        {"form": form, "rows": rows[:PAGE_ROWS], "page_rows": PAGE_ROWS},
    )


def _csv(request, rows, school) -> HttpResponse:
    tz = ZoneInfo(school.timezone)
    access_record(
        request=request,
        kind=AccessEvent.Kind.EXPORT_DOWNLOADED,
        description=f"access log CSV ({request.GET.urlencode()[:200]})",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{school.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                row.at.astimezone(tz).isoformat(timespec="seconds"),
                _cell(row.name),
                row.roles,
                row.get_kind_display(),
                row.get_outcome_display(),
                row.pupil.upn if row.pupil else "",
                _cell(row.pupil.display_name) if row.pupil else "",
                _cell(row.description),
                row.safeguarding_fields,
                row.ip or "",
                _cell(row.user_agent),
            ]
        )
    return response


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (a username typed as "=HYPERLINK(...)")."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
