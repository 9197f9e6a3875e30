"""The parent portal's pages (the absences issue, "Parent portal"), phone first.

Three kinds of page:
- staff (office, school admin, headteacher): invite parents, one or a whole group;
- public: the invitation link (sets a password, or adds the children to an existing
  account after its password);
- parents: their children (`/family/`) and, under the child's school, a page per child,
  reporting an absence, asking for leave, following it and reading the decision.

Every parent page about a child is declared with `parent_of_pupil`: the signed-in
account must hold a contact of THAT pupil at THAT school with parental responsibility,
or the answer is 404 (another family's child, a child they lack parental responsibility
for, and staff, who have no such contact, alike).
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from registers.access import access_record
from registers.events import acting_role
from registers.models import AccessEvent, Contact, RegistrationGroup
from registers.permissions import open_to_members, roles_required
from registers.selectors import local_today

from ..models import AbsenceReport
from ..models.portal import ROLES_PORTAL_INVITE
from ..selectors import portal as selectors
from ..services import portal as services

ROLES_INVITE = ROLES_PORTAL_INVITE

SESSION_TOKEN = "portal_invitation"


def parent_of_pupil(view):
    """A parent page about one pupil: open to members of the school (the middleware has
    let in staff and parents with a child there), then 404 unless the account holds a
    contact of this pupil with parental responsibility. The view is called with the
    contact (its pupil loaded) as `contact`."""

    @open_to_members
    @wraps(view)
    def wrapped(request, school_slug, pupil_id, **kwargs):
        contact = selectors.parent_contact(
            school=request.school, user=request.user, pupil_id=pupil_id
        )
        if contact is None:
            raise Http404("No such page.")
        return view(request, school_slug=school_slug, contact=contact, **kwargs)

    return wrapped


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return exc.messages


# ---- Staff: invitations -----------------------------------------------------------------


@roles_required(ROLES_INVITE)
def invitations(request, school_slug):
    """Contacts with their portal state; invite the ticked ones, or every parent of a
    group without an account, or withdraw an invitation."""
    school = request.school
    groups = list(RegistrationGroup.objects.filter(school=school).order_by("name"))
    group = _group(request, groups)
    if request.method == "POST":
        return _invitations_post(request, group)
    rows = selectors.invitation_rows(
        school=school, group_id=group.pk if group else None, now=timezone.now()
    )
    return render(
        request,
        "absences/portal_invitations.html",
        {
            "groups": groups,
            "group": group,
            "rows": rows,
            "waiting": sum(
                1 for r in rows if r.status in ("not_invited", "expired", "revoked", "sibling")
            ),
        },
    )


def _group(request, groups):
    wanted = (request.POST.get("group") or request.GET.get("group") or "").strip()
    return next((g for g in groups if str(g.pk) == wanted), None)


def _invitations_post(request, group):
    school = request.school
    role = acting_role(request.roles, ROLES_INVITE)
    action = "revoke" if request.POST.get("revoke") else request.POST.get("action", "")
    back = reverse("absences:portal_invitations", kwargs={"school_slug": school.slug})
    if group:
        back += f"?group={group.pk}"
    ids = [int(i) for i in request.POST.getlist("contact") if i.isdigit() and len(i) < 19]
    if action == "revoke":
        wanted = request.POST.get("revoke", "")
        contact = Contact.objects.filter(
            school=school, pk=int(wanted) if wanted.isdigit() and len(wanted) < 19 else 0
        ).first()
        if contact is None:
            raise Http404("No such contact.")
        closed = services.invitation_revoke(
            school=school, contact=contact, user=request.user, role=role
        )
        if closed:
            messages.success(request, f"The invitation to {contact.name} no longer works.")
        else:
            messages.warning(request, f"{contact.name} had no invitation open.")
        return redirect(back)
    if action == "invite_group":
        if group is None:
            messages.error(request, "Choose a group first.")
            return redirect(back)
        contacts = [
            r.contact
            for r in selectors.invitation_rows(school=school, group_id=group.pk, now=timezone.now())
            if r.status in ("not_invited", "expired", "revoked", "sibling")
        ]
    elif action == "invite":
        contacts = list(Contact.objects.filter(school=school, pk__in=ids).select_related("pupil"))
    else:
        messages.error(request, "Nothing was chosen.")
        return redirect(back)
    if not contacts:
        messages.warning(request, "Nobody to invite: tick the parents to invite first.")
        return redirect(back)
    made, skipped = services.invitations_create(
        school=school, contacts=contacts, user=request.user, role=role
    )
    failed = []
    for invited in made:
        link = request.build_absolute_uri(
            reverse("portal:invitation_open", kwargs={"token": invited.token})
        )
        if not services.invitation_send(invited=invited, link=link):
            failed.append(invited.invitation.email)
    sent = len(made) - len(failed)
    if sent:
        messages.success(
            request,
            f"{sent} invitation{'s' if sent != 1 else ''} sent by email. "
            f"Each link works once, for {services.INVITATION_DAYS} days.",
        )
    for email in failed:
        messages.error(request, f"The email to {email} could not be sent: try again later.")
    for skip in skipped:
        messages.warning(
            request, f"{skip.contact.name} ({skip.contact.pupil.forename}) {skip.why}."
        )
    return redirect(back)


# ---- Public: the invitation link ----------------------------------------------------------


def invitation_open(request, token):
    """The emailed link: keep the token in the session and move to an address without
    it (so it is not left in the history, or sent on as a Referer)."""
    request.session[SESSION_TOKEN] = token[:100]
    return redirect("portal:invitation_accept")


class NewPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="At least 8 characters; not a common password, nor close to your name or email.",
    )
    password2 = forms.CharField(
        label="Type the same password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return data


class ExistingPasswordForm(forms.Form):
    password = forms.CharField(
        label="Your password (for this account)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


def invitation_accept(request):
    """Set a password (new account) or confirm with the account's password (signed in),
    or say the invitation is not for you. The token comes from the session."""
    token = request.session.get(SESSION_TOKEN, "")
    try:
        invitation = services.invitation_by_token(token)
    except services.InvitationClosed as closed:
        return render(
            request,
            "registration/portal_invitation_closed.html",
            {"why": closed.why, "invitation_school": getattr(closed.invitation, "school", None)},
            status=410 if closed.why != "unknown" else 404,
        )
    user = request.user if request.user.is_authenticated else None
    existing = None if user else services.account_for_email(invitation.email)
    contacts = services.linkable_contacts(invitation, user=user)
    form_class = ExistingPasswordForm if user else NewPasswordForm
    form = form_class(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "not_me":
        services.invitation_refuse(token=token)
        request.session.pop(SESSION_TOKEN, None)
        return render(
            request,
            "registration/portal_invitation_closed.html",
            {"why": "refused", "invitation_school": invitation.school},
        )
    if request.method == "POST" and existing is None and form.is_valid():
        password = form.cleaned_data.get("password") or form.cleaned_data.get("password1")
        try:
            account = services.invitation_accept(token=token, user=user, password=password)
        except services.InvitationClosed as closed:
            return render(
                request,
                "registration/portal_invitation_closed.html",
                {"why": closed.why, "invitation_school": invitation.school},
                status=410,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                form.add_error("password" if user else "password1", exc.error_dict["password"])
            elif user is None and not hasattr(exc, "error_dict"):
                # Django's password validators raise a plain list about the password.
                form.add_error("password1", exc)
            else:
                form.add_error(None, exc)
        else:
            request.session.pop(SESSION_TOKEN, None)
            if user is None:
                login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            names = ", ".join(c.pupil.forename for c in contacts)
            messages.success(request, f"Welcome. You can now see {names} here.")
            return redirect("portal:home")
    return render(
        request,
        "registration/portal_invitation.html",
        {
            "invitation": invitation,
            "invitation_school": invitation.school,
            "contacts": contacts,
            "form": form,
            "existing": existing,
            "signed_in": user,
        },
    )


# ---- Parents --------------------------------------------------------------------------------


@login_required
def home(request):
    """All the account's children, each from their own school."""
    schools = selectors.parent_children(user=request.user)
    return render(request, "absences/portal_home.html", {"schools": schools})


@parent_of_pupil
def child(request, school_slug, contact):
    """One child's year: days and sessions missed by reason, the school's target, recent
    marks, reports, leave requests and decision letters."""
    school = request.school
    pupil = contact.pupil
    year = selectors.child_year(school=school, pupil=pupil)
    leave = selectors.child_leave(school=school, pupil=pupil, limit=None)
    return render(
        request,
        "absences/portal_child.html",
        {
            "pupil": pupil,
            "pupil_on_roll": pupil.on_roll(year.as_of),
            "recent_weeks": selectors.RECENT_WEEKS,
            "year": year,
            "reports": selectors.child_reports(
                school=school, pupil=pupil, since=year.year_from, today=year.as_of
            ),
            "leave": leave[:10],
            "letters": selectors.child_letters(school=school, contact=contact, requests=leave),
        },
    )


# ---- Parents: reporting an absence --------------------------------------------------------

PERIODS = [("AM", "Morning"), ("PM", "Afternoon")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SpanForm(forms.Form):
    """First and last day, with morning/afternoon at the two ends."""

    first_day = forms.DateField(label="First day", widget=DATE_INPUT)
    first_period = forms.ChoiceField(
        label="From", choices=[("AM", "The morning"), ("PM", "The afternoon only")]
    )
    last_day = forms.DateField(label="Last day", widget=DATE_INPUT)
    last_period = forms.ChoiceField(
        label="Until", choices=[("PM", "The end of the day"), ("AM", "The morning only")]
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and (last, data.get("last_period")) < (first, data.get("first_period")):
            self.add_error("last_day", "The last day comes before the first.")
        return data


class ReportForm(SpanForm):
    reason = forms.ChoiceField(
        label="Why is your child absent?",
        # No reason is chosen for the parent: one tap must not send one they never picked.
        error_messages={"required": "Choose why your child is absent."},
    )
    note = forms.CharField(
        label="Anything the school should know (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example the symptoms, or the time of the appointment.",
    )

    field_order = ["reason", "first_day", "first_period", "last_day", "last_period", "note"]

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons = {str(r.pk): r for r in reasons}
        self.fields["reason"].choices = [("", "Choose one")] + [
            (str(r.pk), r.name) for r in reasons
        ]


def _form_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@parent_of_pupil
def report(request, school_slug, contact):
    """Tell the school about an absence today or ahead (illness, appointments): it lands
    in the office's list, pre-entered at once where the school accepts illness on the
    day automatically."""
    school, pupil = request.school, contact.pupil
    today = local_today(school)
    if not pupil.on_roll(today):
        raise Http404("No such page.")
    reasons = selectors.parent_reasons(school=school)
    form = ReportForm(
        request.POST or None,
        reasons=reasons,
        initial={"first_day": today, "last_day": today, "first_period": "AM", "last_period": "PM"},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = form.reasons[data.pop("reason")]
        try:
            made = portal_report(
                school=school,
                contact=contact,
                user=request.user,
                today=today,
                reason=reason,
                **data,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if made.status == "accepted":
                messages.success(
                    request,
                    f"Thank you. {pupil.forename}'s absence ({made.span_label}) is recorded.",
                )
            else:
                messages.success(
                    request,
                    f"Thank you. The school office has your report for {pupil.forename} "
                    f"({made.span_label}) and will record it.",
                )
            return redirect("absences:portal_child", school_slug=school.slug, pupil_id=pupil.pk)
    return render(
        request, "absences/portal_report.html", {"pupil": pupil, "form": form, "today": today}
    )


def portal_report(*, school, contact, user, today, reason, **span):
    """The portal's call of the office's one report writer (absences.services.reports):
    source parent, channel portal; accepted at once only where the school accepts a
    parent's illness on the day (`auto_accept_parent_illness`) and this is illness from
    today. If the register already holds another code for today, the report waits for
    the office instead of asking the parent what to do."""
    from ..models import AbsenceReport, procedure_for
    from ..services.reports import ReportConflict, report_absence

    auto = (
        procedure_for(school).auto_accept_parent_illness
        and reason.code_id == "I"
        and span["first_day"] == today
    )
    call = dict(
        school=school,
        pupil=contact.pupil,
        reason=reason,
        first_day=span["first_day"],
        first_period=span["first_period"],
        last_day=span["last_day"],
        last_period=span["last_period"],
        note=span.get("note", ""),
        channel=AbsenceReport.Channel.PORTAL,
        source=AbsenceReport.Source.PARENT,
        actor=user,
        role="",
        contact=contact,
    )
    try:
        return report_absence(**call, accept=auto)
    except ReportConflict:
        if not auto:
            raise
        return report_absence(**call, accept=False)


@parent_of_pupil
def report_withdraw(request, school_slug, contact, report_id):
    """Take back a report the office has not accepted yet (POST): "Amara is better after
    all". Once accepted, the office changes it (the page says so)."""
    from ..services.reports import report_withdraw as withdraw

    if request.method != "POST":
        raise Http404("No such page.")
    school, pupil = request.school, contact.pupil
    with transaction.atomic():
        found = (
            AbsenceReport.objects.select_for_update()
            .filter(school=school, pupil=pupil, pk=report_id)
            .first()
        )
        if found is None:
            raise Http404("No such report.")
        if found.status != AbsenceReport.Status.PENDING:
            messages.warning(
                request,
                f"The school has already {found.get_status_display().lower()} this report: "
                "please contact the office to change it.",
            )
        else:
            withdraw(
                report=found,
                actor=request.user,
                role="",
                why="Withdrawn by the parent in the portal.",
            )
            messages.success(request, f"Your report for {found.span_label} is withdrawn.")
    return redirect("absences:portal_child", school_slug=school.slug, pupil_id=pupil.pk)


# ---- Parents: leave of absence -------------------------------------------------------------


class LeaveForm(SpanForm):
    ground = forms.ChoiceField(label="What is the leave for?")
    reason = forms.CharField(
        label="Why is the leave needed? (in your own words)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    field_order = ["first_day", "first_period", "last_day", "last_period", "ground", "reason"]

    def __init__(self, *args, **kwargs):
        from ..models import LeaveGround

        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", "Choose one")] + list(LeaveGround.choices)


@parent_of_pupil
def leave_new(request, school_slug, contact):
    """Ask for leave of absence: the dates, the ground, the reason, evidence files."""
    from ..services.leave import leave_request_submit

    school, pupil = request.school, contact.pupil
    today = local_today(school)
    if not pupil.on_roll(today):
        raise Http404("No such page.")
    form = LeaveForm(request.POST or None, initial={"first_period": "AM", "last_period": "PM"})
    files = request.FILES.getlist("files") if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = leave_request_submit(
                school=school, pupil=pupil, user=request.user, files=files, **data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied:
            raise Http404("No such page.") from None
        else:
            messages.success(
                request,
                "Your request is with the school. You will see the decision here, and "
                "receive the letter by email.",
            )
            return redirect(
                "absences:portal_leave",
                school_slug=school.slug,
                pupil_id=pupil.pk,
                request_id=made.pk,
            )
    return render(
        request,
        "absences/portal_leave_new.html",
        {"pupil": pupil, "form": form, "file_limit_mb": _file_limit_mb()},
    )


class AnswerForm(forms.Form):
    message = forms.CharField(
        label="Your answer to the school", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class WithdrawForm(forms.Form):
    why = forms.CharField(label="Why are you withdrawing the request?", max_length=500)


@parent_of_pupil
def leave(request, school_slug, contact, request_id):
    """One request: its status and history, the school's question or decision, the
    decision letter; answer a question, or withdraw."""
    from ..models import LeaveRequest
    from ..services.leave import leave_provide_information, leave_request_withdraw

    school, pupil = request.school, contact.pupil
    req = (
        LeaveRequest.objects.filter(school=school, pupil=pupil, pk=request_id)
        .prefetch_related("evidence")
        .first()
    )
    if req is None:
        raise Http404("No such request.")
    action = request.POST.get("action") if request.method == "POST" else None
    answer = AnswerForm(request.POST if action == "answer" else None)
    withdraw = WithdrawForm(request.POST if action == "withdraw" else None)
    form = answer if action == "answer" else withdraw
    if action in ("answer", "withdraw") and form.is_valid():
        try:
            if action == "answer":
                leave_provide_information(
                    request=req,
                    user=request.user,
                    message=form.cleaned_data["message"],
                    files=request.FILES.getlist("files"),
                )
                messages.success(request, "Thank you: the school has your answer.")
            else:
                leave_request_withdraw(request=req, user=request.user, why=form.cleaned_data["why"])
                messages.success(request, "The request is withdrawn.")
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied:
            raise Http404("No such request.") from None
        else:
            return redirect(
                "absences:portal_leave",
                school_slug=school.slug,
                pupil_id=pupil.pk,
                request_id=req.pk,
            )
    today = local_today(school)
    can_withdraw = req.status in LeaveRequest.PENDING or (
        req.status in (LeaveRequest.Status.GRANTED, LeaveRequest.Status.PARTLY_GRANTED)
        and req.first_day > today
    )
    return render(
        request,
        "absences/portal_leave.html",
        {
            "pupil": pupil,
            "req": req,
            "history": selectors.leave_history(school=school, request=req),
            "letters": selectors.child_letters(school=school, contact=contact, requests=[req]),
            "answer": answer,
            "withdraw": withdraw,
            "can_withdraw": can_withdraw,
            "file_limit_mb": _file_limit_mb(),
        },
    )


def _file_limit_mb() -> int:
    # Told before an upload fails (absences.evidence checks it).
    return settings.LEAVE_EVIDENCE_MAX_BYTES // 1_048_576


@parent_of_pupil
def letter(request, school_slug, contact, letter_id):
    """A decision letter's PDF, for a parent of its pupil, once it has gone out."""
    found = next(
        (
            x
            for x in selectors.child_letters(school=request.school, contact=contact)
            if x.pk == letter_id
        ),
        None,
    )
    if found is None:
        raise Http404("No such letter.")
    try:
        pdf = found.pdf.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The letter is no longer stored.") from None
    access_record(
        request=request,
        kind=AccessEvent.Kind.LETTER_DOWNLOADED,
        pupil_id=found.pupil_id,
        description=f"letter {found.pk}, {found.kind}, by a parent",
    )
    return FileResponse(
        pdf,
        filename=f"{found.kind}-{found.letter_date:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )
