"""Case pages: the list by track and stage, a case (history, tasks, letters, meetings,
documents, legal steps), moving or closing it by hand, meeting notes, documents, and a
pupil's cases with opening one by hand (DESIGN.md §7).

Casework roles read and record (`escalation.roles.ROLES_CASEWORK`); moving or closing a
case by hand is the attendance lead's or headteacher's (ROLES_DECIDE). Documents are
served only here, after the school and role checks, and every download is logged."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect

from letters.models import ROLES_OPEN_LETTERS
from registers.access import access_record
from registers.models import AccessEvent, Pupil
from registers.permissions import roles_required
from registers.selectors import local_today, pupil_search

from ..forms import AttachmentForm, CaseMoveForm, CaseOpenForm, MeetingForm, NoticeCreateForm
from ..models import (
    Attachment,
    Case,
    EscalationTask,
    Proposal,
    ProposalStatus,
    TaskKind,
    TaskStatus,
)
from ..roles import ROLES_CASEWORK, ROLES_DECIDE
from ..selectors import cases as selectors
from ..services import cases as services
from ._common import errors_to_form, page, role_for


def _case_or_404(request, case_id) -> Case:
    case = selectors.case_for(school=request.school, case_id=case_id)
    if case is None:
        raise Http404("No such case.")
    return case


def _to_case(request, case: Case, anchor: str = ""):
    url = f"/{request.school.slug}/escalation/cases/{case.pk}/"
    return redirect(url + (f"#{anchor}" if anchor else ""))


@roles_required(ROLES_CASEWORK)
def case_list(request, school_slug):
    filters = selectors.case_filters(request.GET)
    found = selectors.cases(school=request.school, filters=filters)
    rows = list(found[: selectors.LIST_LIMIT + 1])
    return page(
        request,
        "escalation/case_list.html",
        {
            "rows": rows[: selectors.LIST_LIMIT],
            "more": len(rows) > selectors.LIST_LIMIT,
            "limit": selectors.LIST_LIMIT,
            "filters": filters,
            "counts": selectors.stage_counts(school=request.school),
            "tracks": selectors.STAGED_TRACKS,
            "stages": [(s, lbl) for s, lbl in Case._meta.get_field("stage").choices if s != "none"],
        },
    )


def _open_meeting_tasks(case: Case):
    return EscalationTask.objects.filter(
        school=case.school_id, case=case, kind=TaskKind.MEETING, status=TaskStatus.OPEN
    ).order_by("due_on", "pk")


def _stage_note(case: Case, notices) -> str:
    """A legal case at `penalty_notice` whose notices of this stage are not issued yet
    says so beside the stage ("proposed", "approved"): the stage is entered when the
    night proposes, the notice exists only once issued."""
    if case.track != "legal" or case.stage != "penalty_notice" or case.closed_on:
        return ""
    current = [n for n in notices if n.proposed_on >= case.stage_since]
    if not current or any(n.issued_on for n in current):
        return ""
    statuses = {n.get_status_display().lower() for n in current}
    return f"({' / '.join(sorted(statuses))}, not issued)"


def _case_page(request, case: Case, *, forms: dict | None = None, status: int = 200):
    today = local_today(request.school)
    data = selectors.case_page(school=request.school, case=case, today=today)
    meeting_tasks = [t for t in data.tasks if t.kind == TaskKind.MEETING and t.status == "open"]
    forms = forms or {}
    context = {
        "data": data,
        "case": case,
        "pupil": case.pupil,
        "move_form": forms.get("move") or CaseMoveForm(case=case),
        "meeting_form": forms.get("meeting")
        or MeetingForm(tasks=meeting_tasks, initial={"held_on": today}),
        "attachment_form": forms.get("attachment") or AttachmentForm(),
        "nti_form": forms.get("nti") or NoticeCreateForm(initial={"weeks": 4}),
        "can_open_letters": bool(request.roles & ROLES_OPEN_LETTERS),
        "open_form": forms.get("open"),
        "stage_note": _stage_note(case, data.penalty_notices),
    }
    return page(request, "escalation/case.html", context, status=status)


@roles_required(ROLES_CASEWORK)
def case_detail(request, school_slug, case_id):
    case = _case_or_404(request, case_id)
    access_record(
        request=request,
        kind=AccessEvent.Kind.PUPIL_VIEWED,
        pupil_id=case.pupil_id,
        description=f"escalation case {case.pk} ({case.track})",
    )
    return _case_page(request, case)


@roles_required(ROLES_DECIDE)
def case_move(request, school_slug, case_id):
    case = _case_or_404(request, case_id)
    if request.method != "POST":
        return _to_case(request, case, "move")
    if not case.is_open:
        messages.info(request, "This case is closed; open a new one from the pupil's cases.")
        return _to_case(request, case)
    form = CaseMoveForm(request.POST, case=case)
    if form.is_valid():
        try:
            moved = services.case_move(
                school=request.school,
                case=case,
                to_stage=form.cleaned_data["to_stage"],
                reason=form.cleaned_data["reason"],
                user=request.user,
                role=role_for(request, ROLES_DECIDE),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if moved:
                word = "closed" if form.cleaned_data["to_stage"] == "none" else "moved"
                messages.success(request, f"Case {word}; the reason is kept in its history.")
            else:
                messages.info(request, "The case had changed meanwhile; nothing was moved.")
            return _to_case(request, case)
    return _case_page(request, case, forms={"move": form}, status=400)


@roles_required(ROLES_CASEWORK)
def meeting_new(request, school_slug, case_id):
    case = _case_or_404(request, case_id)
    if request.method != "POST":
        return _to_case(request, case, "meeting")
    tasks = list(_open_meeting_tasks(case))
    form = MeetingForm(request.POST, tasks=tasks)
    if form.is_valid():
        data = dict(form.cleaned_data)
        task_id = data.pop("task", None)
        try:
            services.meeting_record(
                school=request.school,
                pupil=case.pupil,
                case=case,
                task=next((t for t in tasks if t.pk == task_id), None),
                user=request.user,
                role=role_for(request, ROLES_CASEWORK),
                **data,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Meeting notes recorded.")
            return _to_case(request, case, "meetings")
    return _case_page(request, case, forms={"meeting": form}, status=400)


@roles_required(ROLES_CASEWORK)
def attachment_new(request, school_slug, case_id):
    case = _case_or_404(request, case_id)
    if request.method != "POST":
        return _to_case(request, case, "documents")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                school=request.school,
                pupil=case.pupil,
                case=case,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                user=request.user,
                role=role_for(request, ROLES_CASEWORK),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Document kept with the case.")
            return _to_case(request, case, "documents")
    return _case_page(request, case, forms={"attachment": form}, status=400)


@roles_required(ROLES_CASEWORK)
def attachment(request, school_slug, case_id, attachment_id):
    found = get_object_or_404(Attachment, school=request.school, case_id=case_id, pk=attachment_id)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    access_record(
        request=request,
        kind=AccessEvent.Kind.PUPIL_VIEWED,
        pupil_id=found.pupil_id,
        description=f"escalation document {found.pk}: {found.title}"[:200],
    )
    name = found.file.name.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower()
    content_type = {"pdf": "application/pdf", "png": "image/png"}.get(ext, "image/jpeg")
    response = FileResponse(
        handle, as_attachment=True, filename=f"document-{found.pk}.{ext}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@roles_required(ROLES_CASEWORK)
def pupil_cases(request, school_slug, pupil_id):
    """A pupil's cases on every track, open and closed, and opening one by hand."""
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group"), school=request.school, pk=pupil_id
    )
    form = CaseOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.roles & ROLES_DECIDE:
            raise PermissionDenied("Opening a case by hand is the attendance lead's.")
        if form.is_valid():
            try:
                case = services.case_open(
                    school=request.school,
                    pupil=pupil,
                    user=request.user,
                    role=role_for(request, ROLES_DECIDE),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "Case opened.")
                return _to_case(request, case)
        status = 400
    return page(
        request,
        "escalation/pupil_cases.html",
        {
            "pupil": pupil,
            "cases": Case.objects.filter(school=request.school, pupil=pupil).order_by(
                "closed_on", "-opened_on"
            ),
            # Steps not taken (a report to the local authority has no case): the reason
            # the queue says is kept is read here.
            "skipped": Proposal.objects.filter(
                school=request.school, pupil=pupil, status=ProposalStatus.SKIPPED
            )
            .select_related("decided_by")
            .order_by("-decided_at")[:20],
            "form": form,
        },
        status=status,
    )


@roles_required(ROLES_CASEWORK)
def pupil_find(request, school_slug):
    """Find a pupil by name or UPN, to open their cases."""
    query = request.GET.get("q", "").strip()[:100]
    return page(
        request,
        "escalation/pupil_find.html",
        {
            "query": query,
            "found": pupil_search(school=request.school, query=query) if query else None,
        },
    )
