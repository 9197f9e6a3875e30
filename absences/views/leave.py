"""The decider's leave pages, /<school_slug>/absences/leave/ (issue 9, "Leave-of-absence
workflow"), the evidence download, and the school's leave checks (settings).

Who: the queue and a request's page are for ROLES_LEAVE_VIEW (office side: they enter
paper forms and answer parents); every action on a request is for ROLES_LEAVE_DECIDE
(the headteacher and the attendance lead as delegate, absences.models.leave). Writes go
through absences.services.leave / leave_decide, each in one transaction; bad input is a
message and nothing changed.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from registers.events import acting_role
from registers.models import ROLES_SCHOOL_SETTINGS, Contact, Period, Pupil
from registers.permissions import open_to_members, roles_required
from registers.selectors import local_today, pupil_search

from ..evidence import MAX_FILES
from ..leave_presets import leave_checks_for
from ..models import LeaveChecks, LeaveGround, LeaveRequest
from ..models.leave import ROLES_LEAVE_DECIDE, ROLES_LEAVE_ENTER, ROLES_LEAVE_VIEW
from ..selectors import leave as selectors
from ..services.leave import leave_has_begun, leave_request_submit, request_sessions
from ..services.leave_decide import (
    leave_ask_information,
    leave_decide,
    leave_reopen,
    leave_review,
)

Status = LeaveRequest.Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


ACTIONS = ("review", "ask", "grant", "partly_grant", "refuse", "reopen")


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    decision = forms.CharField(
        label="Message to the parent",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The reason for a refusal or a partial grant, or your question: the "
        "parent reads it in the letter and the portal.",
    )
    sessions = forms.MultipleChoiceField(
        label="Sessions to grant", required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = [
            (key, f"{session.date:%a %-d %b %Y} {session.get_period_display().lower()}")
            for key, session in sessions
        ]


def _request_or_404(request, request_id) -> LeaveRequest:
    found = selectors.leave_request_for(school=request.school, request_id=request_id)
    if found is None:
        raise Http404("No such leave request.")
    return found


@roles_required(ROLES_LEAVE_VIEW)
def leave_queue(request, school_slug):
    """Requests waiting for a decision (soonest first), and the decided ones."""
    queue = request.GET.get("show", "pending")
    queue = queue if queue in selectors.QUEUES else "pending"
    return render(
        request,
        "absences/leave_queue.html",
        {
            "requests": selectors.leave_queue(school=request.school, queue=queue),
            "queue": queue,
            "can_decide": bool(request.roles & ROLES_LEAVE_DECIDE),
            "can_set_checks": bool(request.roles & ROLES_SCHOOL_SETTINGS),
            "can_enter": bool(request.roles & ROLES_LEAVE_ENTER),
        },
    )


def _act(request, leave, form) -> str:
    """Run the chosen action; returns the message for the decider."""
    role = acting_role(request.roles, ROLES_LEAVE_DECIDE)
    if not role:
        raise PermissionDenied("Only the headteacher or their delegate decides leave.")
    data, user = form.cleaned_data, request.user
    action = data["action"]
    if action == "review":
        leave_review(request=leave, user=user, role=role)
        return "Marked as under review: the parent can see it is being looked at."
    if action == "ask":
        leave_ask_information(request=leave, user=user, role=role, message=data["decision"])
        return "Your question was sent to the parent."
    if action == "reopen":
        leave_reopen(request=leave, user=user, role=role, why=data["decision"])
        return "The decision was taken back; the request is under review again."
    status = {
        "grant": Status.GRANTED,
        "partly_grant": Status.PARTLY_GRANTED,
        "refuse": Status.REFUSED,
    }[action]
    done = leave_decide(
        request=leave,
        user=user,
        role=role,
        status=status,
        decision=data["decision"],
        sessions=data["sessions"],
        seen_version=data["version"],
    )
    said = f"{done.request.get_status_display()}: {done.written} register entries written"
    if done.refused_taken:
        said += f", {done.refused_taken} sessions already absent recorded as G"
    if done.kept:
        said += ". Left as marked: " + ", ".join(f"{k} ({c})" for k, c in done.kept)
    if done.letter_problem:
        said += f". No letter: {done.letter_problem}"
    elif done.letters:
        said += ". The decision letter goes to the parent by email"
    return said + "."


@roles_required(ROLES_LEAVE_VIEW)
def leave_detail(request, school_slug, request_id):
    """One request: the sessions, attendance now and if granted, the checks, prior
    requests, evidence, history; the decider's actions (POST)."""
    leave = _request_or_404(request, request_id)
    sessions = [s for s in request_sessions(leave) if leave.pupil.on_roll(s.date)]
    lines = selectors.session_lines(request=leave, sessions=sessions)
    form = DecisionForm(
        request.POST or None,
        sessions=[(line.key, line.session) for line in lines],
        initial={"version": leave.version},
    )
    if request.method == "POST":
        if not request.roles & ROLES_LEAVE_DECIDE:
            raise PermissionDenied("Only the headteacher or their delegate decides leave.")
        if form.is_valid():
            try:
                said = _act(request, leave, form)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    # The reason for taking a decision back is typed in the decision box.
                    field = "decision" if field == "why" else field
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, said)
                return redirect(
                    reverse(
                        "absences:leave_detail",
                        kwargs={"school_slug": request.school.slug, "request_id": leave.pk},
                    )
                )
    return render(
        request,
        "absences/leave_detail.html",
        {
            "leave": leave,
            "lines": lines,
            "assessment": selectors.request_assess(leave, sessions=sessions),
            "prior": selectors.prior_requests(request=leave),
            "evidence": list(leave.evidence.all()),
            "history": selectors.request_history(request=leave),
            "letters": list(selectors.decision_letters(school=request.school, request=leave)),
            "form": form,
            "can_decide": bool(request.roles & ROLES_LEAVE_DECIDE),
            "can_reopen": leave.is_decided and not leave_has_begun(leave),
        },
        status=400 if form.errors else 200,
    )


@open_to_members
def leave_evidence(request, school_slug, evidence_id):
    """An evidence file, to a decider or the parent who sent it; 404 for anyone else
    (another family, a teacher, the office): never a hint that it exists."""
    evidence = selectors.evidence_readable(
        school=request.school, evidence_id=evidence_id, user=request.user, roles=request.roles
    )
    if evidence is None:
        raise Http404("No such file.")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (YYYY-MM-DD) whatever the locale's
    display format, or the initial date (e.g. "Received on" today) shows as blank."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PaperForm(forms.Form):
    """A leave request received on paper (BS-20 "a leave of absence form"), entered by
    the office for the parent who signed it."""

    contact = forms.ChoiceField(label="Signed by", required=False)
    first_day = forms.DateField(label="First day", widget=DateInput)
    first_period = forms.ChoiceField(label="From", choices=Period.choices, initial=Period.AM)
    last_day = forms.DateField(label="Last day", widget=DateInput)
    last_period = forms.ChoiceField(label="Until", choices=Period.choices, initial=Period.PM)
    ground = forms.ChoiceField(label="What the leave is for", choices=LeaveGround.choices)
    reason = forms.CharField(
        label="The reason, as the parent wrote it",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requested_on = forms.DateField(
        label="Received on",
        help_text="The date the school received the form: the notice period counts from it.",
        widget=DateInput,
    )
    files = MultipleFileField(
        label="Scans or photos of the form and any evidence",
        required=False,
        help_text="",
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is told before an upload fails (settings.LEAVE_EVIDENCE_MAX_BYTES).
        self.fields["files"].help_text = (
            f"PDF, JPEG or PNG, up to {settings.LEAVE_EVIDENCE_MAX_BYTES // 1_048_576} MB "
            f"each (checked by their content), at most {MAX_FILES} files."
        )
        self.fields["contact"].choices = [("", "Not named on the form")] + [
            (str(c.pk), f"{c.name} ({c.relationship})") for c in contacts
        ]


@roles_required(ROLES_LEAVE_ENTER)
def leave_enter(request, school_slug):
    """The office enters a paper form: find the pupil, then the form's details."""
    school = request.school
    query = request.GET.get("q", "").strip()[:100]
    pupil = None
    raw = request.GET.get("pupil") or request.POST.get("pupil")
    if raw and raw.isdigit() and int(raw) <= 2**63 - 1:
        pupil = Pupil.objects.filter(school=school, pk=int(raw)).first()
        if pupil is None:
            raise Http404("No such pupil.")
    if pupil is None:
        found = pupil_search(school=school, query=query) if query else []
        return render(
            request, "absences/leave_enter.html", {"query": query, "found": found, "form": None}
        )
    contacts = list(
        Contact.objects.filter(school=school, pupil=pupil, parental_responsibility=True).order_by(
            "priority"
        )
    )
    today = local_today(school)
    form = PaperForm(
        request.POST or None,
        request.FILES or None,
        contacts=contacts,
        initial={"requested_on": today, "first_period": "AM", "last_period": "PM"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = next((c for c in contacts if str(c.pk) == data["contact"]), None)
        try:
            made = leave_request_submit(
                school=school,
                pupil=pupil,
                user=request.user,
                role=acting_role(request.roles, ROLES_LEAVE_ENTER),
                contact=contact,
                first_day=data["first_day"],
                first_period=data["first_period"],
                last_day=data["last_day"],
                last_period=data["last_period"],
                ground=data["ground"],
                reason=data["reason"],
                requested_on=data["requested_on"],
                files=data["files"] or (),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"The request for {pupil.display_name} was entered.")
            return redirect(
                reverse(
                    "absences:leave_detail",
                    kwargs={"school_slug": school.slug, "request_id": made.pk},
                )
            )
    return render(
        request,
        "absences/leave_enter.html",
        {"pupil": pupil, "form": form},
        status=400 if form.errors else 200,
    )


class ChecksForm(forms.ModelForm):
    class Meta:
        model = LeaveChecks
        fields = [
            "notice_period",
            "notice_days",
            "retrospective",
            "unauthorised_on_record",
            "authorised_over",
            "authorised_limit_pct",
            "holiday",
        ]


@roles_required(ROLES_SCHOOL_SETTINGS)
def leave_checks(request, school_slug):
    """The school's checks on leave requests (from its policy preset at first)."""
    checks = leave_checks_for(request.school)
    form = ChecksForm(request.POST or None, instance=checks)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The leave checks were saved.")
        return redirect(reverse("absences:leave_checks", kwargs={"school_slug": school_slug}))
    return render(
        request,
        "absences/leave_checks.html",
        {"form": form, "checks": checks},
        status=400 if form.errors else 200,
    )
