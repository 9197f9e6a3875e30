"""The office's absence reports page, /<school_slug>/absences/ (the absences issue,
"Office: reports and calls").

Log a parent's call, email, text, app message or visit in a few keystrokes: find the
pupil (type-ahead by name, UPN or group; a plain search without JavaScript), pick the
contact or write who called, the channel, the reason, first and last day with AM/PM
(today AM to today PM unless changed), a note. Below: today's reports, and the parents'
reports waiting for the office to accept or withdraw. Writes go through
`absences.services.reports`; bad input is a message and nothing changed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from registers.events import acting_role
from registers.forms import record_id
from registers.models import Period, Pupil
from registers.permissions import roles_required
from registers.selectors import local_today

from ..models import AbsenceReport
from ..models.reports import ROLES_REPORTS
from ..selectors import reports as selectors
from ..selectors.contacts import pupil_contacts
from ..services.reports import (
    OnConflict,
    ReportConflict,
    report_absence,
    report_accept,
    report_reasons,
    report_withdraw,
)

OTHER = "other"
# The channels the office logs; the portal files its own reports.
OFFICE_CHANNELS = [c for c in AbsenceReport.Channel.choices if c[0] != AbsenceReport.Channel.PORTAL]


class ReportForm(forms.Form):
    """One report, as the office page posts it."""

    pupil = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    contact = forms.ChoiceField(label="Who reported it", widget=forms.RadioSelect)
    reporter = forms.CharField(
        label="Name, if not listed",
        required=False,
        max_length=200,
        help_text="For example “Grandmother, Mrs Shah”.",
    )
    channel = forms.ChoiceField(label="How", choices=OFFICE_CHANNELS)
    reason = forms.ChoiceField(label="Reason")
    first_day = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    first_period = forms.ChoiceField(label="From", choices=Period.choices)
    last_day = forms.DateField(
        label="Expected last day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_period = forms.ChoiceField(label="Until the end of", choices=Period.choices)
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    on_conflict = forms.ChoiceField(
        label="The register already holds another code",
        required=False,
        choices=OnConflict.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, contacts, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = {str(c.pk): c for c in contacts}
        self.reasons = {str(r.pk): r for r in reasons}
        self.fields["contact"].choices = [
            (key, f"{c.name}{f' ({c.relationship})' if c.relationship else ''}")
            for key, c in self.contacts.items()
        ] + [(OTHER, "Someone else")]
        self.fields["reason"].choices = [
            (key, f"{r.name} ({r.code_id})") for key, r in self.reasons.items()
        ]

    def clean(self):
        data = super().clean()
        if data.get("contact") == OTHER and not (data.get("reporter") or "").strip():
            self.add_error("reporter", "Write the name of the person who reported it.")
        return data


def _today_bounds(school):
    zone = ZoneInfo(school.timezone)
    today = local_today(school)
    start = datetime.combine(today, time.min, tzinfo=zone)
    return today, start, start + timedelta(days=1)


def _lists(school) -> dict:
    today, start, end = _today_bounds(school)
    return {
        "today": today,
        "todays": selectors.reports_today(school=school, today=today, start=start, end=end),
        "pending": selectors.reports_pending(school=school),
    }


def _chosen_pupil(request) -> Pupil | None:
    pupil_id = record_id(request.POST.get("pupil") or request.GET.get("pupil"))
    if pupil_id is None:
        return None
    pupil = (
        Pupil.objects.filter(school=request.school, pk=pupil_id)
        .select_related("registration_group")
        .first()
    )
    if pupil is None:
        raise Http404("No such pupil.")
    return pupil


def _form(school, pupil, data=None):
    contacts = pupil_contacts(school=school, pupil_ids=[pupil.pk])[pupil.pk]
    reasons = report_reasons(school=school)
    today = local_today(school)
    initial = {
        "pupil": pupil.pk,
        "contact": str(contacts[0].pk) if contacts else OTHER,
        "channel": AbsenceReport.Channel.PHONE,
        "reason": next((str(r.pk) for r in reasons if r.code_id == "I"), ""),
        "first_day": today,
        "first_period": Period.AM,
        "last_day": today,
        "last_period": Period.PM,
    }
    form = ReportForm(data, initial=initial, contacts=contacts, reasons=reasons)
    return form, contacts


@roles_required(ROLES_REPORTS)
def office(request, school_slug):
    """GET: the finder (?q=), the chosen pupil's form (?pupil=), today's and pending
    reports. POST: log a report (400 with the messages, 409 with the conflict question)."""
    school = request.school
    pupil = _chosen_pupil(request)
    query = request.GET.get("q", "").strip()
    context = {"query": query, "pupil": pupil, "conflict": None}
    if pupil is None and query:
        context["results"], context["more"] = selectors.pupil_search(
            school=school, query=query, today=local_today(school)
        )
    status = 200
    if pupil is not None:
        data = request.POST if request.method == "POST" else None
        form, contacts = _form(school, pupil, data)
        if data is not None:
            saved, status, conflict = _log(request, form, pupil)
            if saved:
                return redirect(reverse("absences:office", kwargs={"school_slug": school.slug}))
            context["conflict"] = conflict
        context.update(form=form, contacts=contacts)
        context["history"] = selectors.reports_for_pupil(school=school, pupil=pupil, limit=5)
    elif request.method == "POST":
        messages.error(request, "Choose the pupil first.")
        status = 400
    context.update(_lists(school))
    return render(request, "absences/office_reports.html", context, status=status)


def _log(request, form, pupil):
    """(saved, status, conflict): log the form's report, or put the service's messages
    on the form."""
    if not form.is_valid():
        return False, 400, None
    data = form.cleaned_data
    contact = form.contacts.get(data["contact"])
    try:
        report = report_absence(
            school=request.school,
            pupil=pupil,
            reason=form.reasons[data["reason"]],
            first_day=data["first_day"],
            first_period=data["first_period"],
            last_day=data["last_day"],
            last_period=data["last_period"],
            channel=data["channel"],
            source=AbsenceReport.Source.OFFICE,
            actor=request.user,
            role=acting_role(request.roles, ROLES_REPORTS),
            contact=contact,
            reporter="" if contact else data["reporter"],
            note=data["note"],
            on_conflict=data["on_conflict"] or None,
        )
    except ReportConflict as exc:
        form.add_error("on_conflict", exc.message_dict["on_conflict"])
        return False, 409, exc
    except ValidationError as exc:
        _form_errors(form, exc)
        return False, 400, None
    done = "extended" if getattr(report, "merged", False) else "logged"
    messages.success(
        request,
        f"{report.reason.name} for {pupil.display_name}, {report.span_label}, {done}: the "
        "register shows it, locked for the class teacher.",
    )
    return True, 302, None


def _form_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, texts in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, texts)


@roles_required(ROLES_REPORTS)
def pupil_results(request, school_slug):
    """The finder's results (htmx swaps them in as the person types)."""
    school = request.school
    query = request.GET.get("q", "").strip()
    results, more = selectors.pupil_search(school=school, query=query, today=local_today(school))
    context = {"query": query, "results": results, "more": more}
    return render(request, "absences/office_pupil_results.html", context)


def _report_or_404(request, report_id) -> AbsenceReport:
    report = selectors.report_get(school=request.school, report_id=report_id)
    if report is None:
        raise Http404("No such report.")
    return report


@roles_required(ROLES_REPORTS)
def accept(request, school_slug, report_id):
    """Accept a parent's pending report (POST); on a conflict the office page asks."""
    report = _report_or_404(request, report_id)  # another school's id: 404 first
    if request.method != "POST":
        return redirect("absences:office", school_slug=school_slug)
    choice = request.POST.get("on_conflict") or None
    try:
        report_accept(
            report=report,
            actor=request.user,
            role=acting_role(request.roles, ROLES_REPORTS),
            on_conflict=choice,
        )
    except ReportConflict as exc:
        context = {"query": "", "pupil": None, "accept_conflict": (report, exc)}
        context.update(_lists(request.school))
        return render(request, "absences/office_reports.html", context, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("absences:office", school_slug=school_slug)
    messages.success(
        request,
        f"Accepted: {report.reason.name} for {report.pupil.display_name}, {report.span_label}.",
    )
    return redirect("absences:office", school_slug=school_slug)


@roles_required(ROLES_REPORTS)
def withdraw(request, school_slug, report_id):
    """Withdraw a report (POST `why`, optional `amend_marks`)."""
    report = _report_or_404(request, report_id)  # another school's id: 404 first
    if request.method != "POST":
        return redirect("absences:office", school_slug=school_slug)
    try:
        report_withdraw(
            report=report,
            actor=request.user,
            role=acting_role(request.roles, ROLES_REPORTS),
            why=request.POST.get("why", ""),
            amend_marks=request.POST.get("amend_marks") == "on",
        )
    except ValidationError as exc:
        words = exc.message_dict.get("why") or exc.messages
        messages.error(
            request,
            f"Not withdrawn ({report.pupil.display_name}, {report.span_label}): " + " ".join(words),
        )
        return redirect("absences:office", school_slug=school_slug)
    messages.success(
        request,
        f"Withdrawn: {report.reason.name} for {report.pupil.display_name}, "
        f"{report.span_label}. Planned entries for days to come are gone.",
    )
    return redirect("absences:office", school_slug=school_slug)
