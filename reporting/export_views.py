"""Exports and returns page: ask for a file, watch it being written, download it
(reporting/export_jobs.py). For the people who make returns (`ROLES_RETURNS`)."""

from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from registers.access import access_record
from registers.models import AccessEvent
from registers.permissions import roles_required
from registers.selectors import local_today
from registers.validation import validate_plausible_date

from .export_jobs import LA_TITLES, ExportJob, export_request
from .returns import LA_RETURNS, ROLES_RETURNS, recent_census_periods
from .tables import FORMATS

DATE = {"type": "date"}


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label="What to export", choices=ExportJob.Kind.choices)
    term = forms.ChoiceField(
        label="Term (for a census return only)",
        required=False,
        help_text="Or leave as “Dates below” and give the first and last day.",
    )
    start = forms.DateField(
        label="First day",
        required=False,
        widget=forms.DateInput(attrs=DATE),
        validators=[validate_plausible_date],
    )
    end = forms.DateField(
        label="Last day, or the day of a return or extract",
        required=False,
        widget=forms.DateInput(attrs=DATE),
        validators=[validate_plausible_date],
    )
    la_return = forms.ChoiceField(
        label="Which local authority return (for a local authority return only)",
        choices=[(k, LA_TITLES[k]) for k in LA_RETURNS],
        required=False,
    )
    format = forms.ChoiceField(
        label="File type",
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
        widget=forms.RadioSelect,
        initial="xlsx",
    )

    def __init__(self, *args, school, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = {p.key: p for p in recent_census_periods(school=school, day=today)}
        choices = [
            (key, f"{p.label} ({p.start:%-d %b} to {p.end:%-d %b %Y})")
            for key, p in self.terms.items()
        ]
        self.fields["term"].choices = [("", "Dates below"), *choices]
        self.today = today

    def clean(self):
        data = super().clean()
        kind, start, end = data.get("kind"), data.get("start"), data.get("end")
        if data.get("term") and kind == ExportJob.Kind.CENSUS:
            period = self.terms[data["term"]]
            start, end = period.start, period.end
        if kind in (ExportJob.Kind.ATTENDANCE, ExportJob.Kind.CENSUS):
            if start is None:
                self.add_error("start", "Give the first day (or choose a term for the census).")
            if end is None:
                self.add_error("end", "Give the last day.")
            if start and end and end < start:
                self.add_error("end", "The last day comes before the first.")
            data["params"] = {"from": str(start), "to": str(end)}
        elif kind == ExportJob.Kind.LA:
            if not data.get("la_return"):
                self.add_error("la_return", "Choose which return.")
            data["params"] = {"return": data.get("la_return"), "as_of": str(end or self.today)}
        elif kind == ExportJob.Kind.DAILY:
            data["params"] = {"date": str(end or self.today)}
        return data


def _jobs(request):
    return ExportJob.objects.filter(school=request.school, requested_by=request.user)


@roles_required(ROLES_RETURNS)
def export_list(request, school_slug):
    """GET: the form and the person's latest exports. POST: ask for one."""
    school = request.school
    today = local_today(school)
    form = ExportForm(request.POST or None, school=school, today=today)
    if request.method == "POST" and form.is_valid():
        job = export_request(
            school=school,
            user=request.user,
            kind=form.cleaned_data["kind"],
            params=form.cleaned_data["params"],
            fmt=form.cleaned_data["format"],
        )
        return redirect("reporting:export", school_slug=school.slug, export_id=job.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "jobs": _jobs(request)[:20], "formats": FORMATS}
    return render(request, "reporting/exports.html", context, status=status)


@roles_required(ROLES_RETURNS)
def export_detail(request, school_slug, export_id):
    """One export's progress; htmx asks for the status part again while it runs."""
    job = get_object_or_404(_jobs(request), pk=export_id)
    template = "reporting/_export_status.html" if request.htmx else "reporting/export.html"
    return render(request, template, {"job": job})


@roles_required(ROLES_RETURNS)
def export_download(request, school_slug, export_id):
    job = get_object_or_404(_jobs(request), pk=export_id, status=ExportJob.Status.DONE)
    if not job.path.is_file():
        raise Http404("The file has been removed; ask for the export again.")
    access_record(
        request=request,
        kind=AccessEvent.Kind.EXPORT_DOWNLOADED,
        description=f"{job.title} ({job.format})",
    )
    return FileResponse(
        job.path.open("rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type=FORMATS[job.format][0],
    )
