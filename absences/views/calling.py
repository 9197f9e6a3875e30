"""First-day calling pages, /<school_slug>/absences/calling/ (issue 9), and the N-code queue.

- calling/: today's list, live (htmx polls the list every 30 s; no forms inside it, so a
  refresh never eats what someone is typing), phone-first: one card per pupil, the next
  contact's number as a one-tap tel: link, vulnerable pupils first.
- calling/<pupil_id>/: one pupil's call sheet: contacts in order, today's attempts, the
  form to record an attempt (an outcome "spoke" may give the reason and last day, which
  reports the absence and amends today's N); for a pupil not accounted for, the school's
  listed actions for the safeguarding lead to record what was done.
- welfare/<task_id>/: close a welfare task with what happened.
- ncodes/: unresolved N codes with their deadlines, overdue first.
Reads come from absences.selectors.calling / ncodes (the API and the commands use them
too); writes go through absences.services.calling.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from registers.events import acting_role
from registers.forms import record_id
from registers.models import Period, Pupil, Role
from registers.permissions import roles_required
from registers.selectors import local_today

from ..models import CallAttempt, CallingDay, ProcedureAction, WelfareTask
from ..selectors.calling import calling_list
from ..selectors.contacts import ROLES_CONTACTS
from ..selectors.ncodes import n_code_queue
from ..services.calling import call_attempt_record, lead_action_record, welfare_task_close
from ..services.reports import report_reasons
from . import procedure as procedure_views

# Who closes welfare tasks: the roles the tasks are given to, and the head.
ROLES_WELFARE = frozenset(
    {Role.ATTENDANCE_OFFICER, Role.ATTENDANCE_LEAD, Role.HEADTEACHER, Role.SCHOOL_ADMIN}
)
# Without designated leads, the lead's part falls to these roles.
ROLES_LEAD_FALLBACK = frozenset({Role.ATTENDANCE_LEAD, Role.HEADTEACHER})
# The N-code queue: whoever may amend any register.
ROLES_NCODES = ROLES_CONTACTS
POLL_SECONDS = 30
OTHER = "other"


def _list_context(request):
    listing = calling_list(school=request.school, at=timezone.now())
    tasks = list(
        WelfareTask.objects.filter(school=request.school, status=WelfareTask.Status.OPEN)
        .select_related("pupil")
        .order_by("due", "pk")
    )
    done = CallingDay.Status.ACCOUNTED_FOR
    return {
        "listing": listing,
        "entries": listing.entries,
        # "To account for" counts only those still to account for; the others are listed
        # (and counted) under their own heading.
        "open_entries": [e for e in listing.entries if e.status != done],
        "done_entries": [e for e in listing.entries if e.status == done],
        "to_call": listing.count(CallingDay.Status.TO_CALL),
        "not_accounted": listing.count(CallingDay.Status.NOT_ACCOUNTED_FOR),
        "accounted": listing.count(CallingDay.Status.ACCOUNTED_FOR),
        "tasks": tasks,
        "poll": POLL_SECONDS,
        "may_close_tasks": bool(request.roles & ROLES_WELFARE),
    }


@roles_required(ROLES_CONTACTS)
def calling(request, school_slug):
    """The list; htmx polls `?part=list&v=<version>`. The version is a digest of what the
    list shows (not of the clock): when it is the one the page holds the answer is 204,
    which htmx swaps nothing for, so keyboard focus and the reader's place survive the
    poll. Otherwise the part with its new version (static/js/calling.js puts focus back
    on the element of the same id)."""
    context = _list_context(request)
    body = render_to_string("absences/calling_list_body.html", context, request=request)
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    context.update(body=mark_safe(body), version=version)  # noqa: S308 (our own template)
    if request.headers.get("HX-Request") and request.GET.get("part") == "list":
        if request.GET.get("v") == version:
            return HttpResponse(status=204)
        return render(request, "absences/calling_list_part.html", context)
    return render(request, "absences/calling_list.html", context)


# ---- One pupil's call sheet ----------------------------------------------------------


class AttemptForm(forms.Form):
    contact = forms.ChoiceField(label="Who you tried", widget=forms.RadioSelect)
    contact_name = forms.CharField(
        label="Name and relationship, if not listed", required=False, max_length=200
    )
    phone = forms.CharField(label="Number called, if not listed", required=False, max_length=40)
    outcome = forms.ChoiceField(
        label="What happened", choices=CallAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", required=False, max_length=500)
    reason = forms.ChoiceField(label="Reason given (if you spoke to someone)", required=False)
    last_day = forms.DateField(
        label="Expected back after (last day of absence)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_period = forms.ChoiceField(label="Last session", choices=Period.choices, initial="PM")

    def __init__(self, *args, contacts, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [
            (str(c.pk), f"{c.priority}. {c.name} ({c.relationship or 'contact'}) {c.phone}")
            for c in contacts
        ] + [(OTHER, "Someone else")]
        self.fields["reason"].choices = [("", "No reason given")] + [
            (str(r.pk), f"{r.name} ({r.code_id})") for r in reasons
        ]


class LeadForm(forms.Form):
    action = forms.ChoiceField(label="What was done")
    note = forms.CharField(label="Note", required=False, max_length=1000, widget=forms.Textarea)
    pupil_safe = forms.BooleanField(label="The pupil is safe and accounted for", required=False)

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            (a, ProcedureAction(a).label) for a in actions if a in ProcedureAction.values
        ] + [(OTHER, "Other (say what in the note)")]


def _entry(request, pupil_id):
    """The pupil's entry on today's list, or 404 (not this school's, or not listed)."""
    listing = calling_list(school=request.school, at=timezone.now())
    entry = next((e for e in listing.entries if e.pupil.pk == pupil_id), None)
    if entry is None and not Pupil.objects.filter(school=request.school, pk=pupil_id).exists():
        raise Http404("No such pupil here.")
    return listing, entry


def _is_lead(request, procedure) -> bool:
    """A designated safeguarding lead; while the school has designated none, the
    attendance lead and the headteacher."""
    leads = set(procedure.safeguarding_leads.values_list("pk", flat=True))
    if leads:
        return request.user.pk in leads
    return bool(request.roles & ROLES_LEAD_FALLBACK)


@roles_required(ROLES_CONTACTS)
def calling_pupil(request, school_slug, pupil_id):
    listing, entry = _entry(request, pupil_id)
    if entry is None:
        messages.info(request, "That pupil is not on today's calling list.")
        return redirect("absences:calling", school_slug=school_slug)
    procedure = listing.procedure
    reasons = report_reasons(school=request.school)
    form = AttemptForm(contacts=entry.contacts, reasons=reasons)
    if entry.next_contact is not None:
        form.initial["contact"] = str(entry.next_contact.pk)
    status = 200
    if request.method == "POST":
        form = AttemptForm(request.POST, contacts=entry.contacts, reasons=reasons)
        if form.is_valid():
            try:
                _record_attempt(request, entry=entry, data=form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"Attempt recorded for {entry.pupil.display_name}.")
                return redirect("absences:calling", school_slug=school_slug)
        status = 400
    lead = _is_lead(request, procedure)
    context = {
        "entry": entry,
        "listing": listing,
        "procedure": procedure,
        "form": form,
        "lead": lead,
        "lead_form": LeadForm(actions=procedure.actions),
        "actions": [ProcedureAction(a).label for a in procedure.actions],
        "lead_actions": list(entry.calling_day.actions.all()) if entry.calling_day else [],
    }
    return render(request, "absences/calling_pupil.html", context, status=status)


def _errors_to_form(form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        name = field if field in form.fields else None
        for message in messages_:
            form.add_error(name, message)


def _record_attempt(request, *, entry, data) -> None:
    contacts = {str(c.pk): c for c in entry.contacts}
    contact = contacts.get(data["contact"])
    call_attempt_record(
        school=request.school,
        pupil=entry.pupil,
        outcome=data["outcome"],
        user=request.user,
        role=acting_role(request.roles, ROLES_CONTACTS),
        contact=contact,
        contact_name=data["contact_name"],
        phone=data["phone"],
        note=data["note"],
        reason_id=record_id(data["reason"]) if data["reason"] else None,
        first_period=(entry.unexplained_sessions or ["AM"])[0],
        last_day=data["last_day"],
        last_period=data["last_period"],
    )


@roles_required(ROLES_CONTACTS)
def calling_lead(request, school_slug, pupil_id):
    listing, entry = _entry(request, pupil_id)  # 404 for another school's pupil
    if request.method != "POST":
        return redirect("absences:calling_pupil", school_slug=school_slug, pupil_id=pupil_id)
    if entry is None:
        raise Http404("That pupil is not on today's calling list.")
    if not _is_lead(request, listing.procedure):
        raise PermissionDenied("Only the designated safeguarding lead records these actions.")
    if entry.status != CallingDay.Status.NOT_ACCOUNTED_FOR:
        messages.error(request, "This pupil is not waiting for the safeguarding lead.")
        return redirect("absences:calling_pupil", school_slug=school_slug, pupil_id=pupil_id)
    form = LeadForm(request.POST, actions=listing.procedure.actions)
    if form.is_valid():
        try:
            lead_action_record(
                school=request.school,
                pupil=entry.pupil,
                day=listing.day,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                pupil_safe=form.cleaned_data["pupil_safe"],
                user=request.user,
                role=acting_role(request.roles, ROLES_CONTACTS),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Recorded.")
            return redirect("absences:calling_pupil", school_slug=school_slug, pupil_id=pupil_id)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {error}"
            )
    return redirect("absences:calling_pupil", school_slug=school_slug, pupil_id=pupil_id)


# ---- Welfare tasks -------------------------------------------------------------------


class CloseTaskForm(forms.Form):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[
            (WelfareTask.Status.DONE, "Done"),
            (WelfareTask.Status.NOT_NEEDED, "Not needed"),
        ],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(label="What happened", max_length=1000, widget=forms.Textarea)


@roles_required(ROLES_WELFARE)
def welfare_task(request, school_slug, task_id):
    task = (
        WelfareTask.objects.filter(school=request.school, pk=task_id)
        .select_related("pupil")
        .first()
    )
    if task is None:
        raise Http404("No such task here.")
    form = CloseTaskForm()
    status = 200
    if request.method == "POST" and task.status == WelfareTask.Status.OPEN:
        form = CloseTaskForm(request.POST)
        if form.is_valid():
            try:
                welfare_task_close(
                    task=task,
                    status=form.cleaned_data["status"],
                    outcome=form.cleaned_data["outcome"],
                    user=request.user,
                    role=acting_role(request.roles, ROLES_WELFARE),
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"{task.get_kind_display()} closed.")
                return redirect("absences:calling", school_slug=school_slug)
        status = 400
    return render(
        request, "absences/calling_task.html", {"task": task, "form": form}, status=status
    )


# ---- N codes --------------------------------------------------------------------------


@roles_required(ROLES_NCODES)
def ncodes(request, school_slug):
    today = local_today(request.school)
    queue = n_code_queue(school=request.school, as_of=today)
    queue.sort(key=lambda q: (not q.overdue, q.deadline or today, q.mark.date))
    context = {
        "today": today,
        "queue": queue,
        "overdue": sum(1 for q in queue if q.overdue),
        "replaces": request.school.replace_overdue_n_with_o,
    }
    return render(request, "absences/ncodes_queue.html", context)


school_patterns = [
    path("calling/", calling, name="calling"),
    path("calling/<int:pupil_id>/", calling_pupil, name="calling_pupil"),
    path("calling/<int:pupil_id>/lead/", calling_lead, name="calling_lead"),
    path("welfare/<int:task_id>/", welfare_task, name="welfare_task"),
    path("ncodes/", ncodes, name="ncodes"),
    path("procedure/", procedure_views.procedure, name="procedure"),
]


def calling_url(school) -> str:
    return reverse("absences:calling", kwargs={"school_slug": school.slug})
