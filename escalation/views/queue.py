"""The attendance lead's morning queue: what the night proposed, with its evidence, to
approve or skip (DESIGN.md §1, §7).

Letters are approved through the letters app's own approval (its confirmation step and
the undo hold: `letters.views.approve`): the queue's letter form posts there. Legal steps
are the headteacher's to approve (`escalation.roles.ROLES_LEGAL`); reports to the local
authority and tasks are the attendance lead's and headteacher's, tasks the attendance
officer's too."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from letters.models import ROLES_APPROVE as ROLES_APPROVE_LETTERS
from letters.models import ROLES_OPEN_LETTERS
from registers.permissions import roles_required
from registers.selectors import local_today

from ..forms import BookMeetingForm, NoticeIssueForm, ProposalSkipForm, TaskFinishForm
from ..models import EscalationTask, Proposal, ProposalKind, TaskStatus
from ..roles import ROLES_CASEWORK, ROLES_DECIDE, may_decide
from ..selectors.queue import queue as queue_of
from ..services import cases as services
from ..services import legal_steps
from ._common import errors_to_form, page, refused, role_for


def may_finish(roles, task) -> bool:
    """A task marked for a role (the ladder's `role`) is that role's to finish, or the
    headteacher's; an unmarked task is any caseworker's."""
    return not task.role or task.role in roles or "headteacher" in roles


def _back(request):
    return redirect("escalation:queue", school_slug=request.school.slug)


@roles_required(ROLES_CASEWORK)
def queue(request, school_slug):
    today = local_today(request.school)
    q = queue_of(school=request.school, today=today)
    return page(
        request,
        "escalation/queue.html",
        {
            "queue": q,
            "can_approve_letters": bool(request.roles & ROLES_APPROVE_LETTERS),
            "can_open_letters": bool(request.roles & ROLES_OPEN_LETTERS),
            "decidable": {
                p.proposal.pk for p in q.proposals if may_decide(request.roles, p.proposal)
            },
            "issue_form": NoticeIssueForm(initial={"weeks": 4}),
            "finishable": {
                row.task.pk
                for row in [*q.meetings, *q.tasks]
                if may_finish(request.roles, row.task)
            },
        },
    )


@require_POST
@roles_required(ROLES_DECIDE)
def proposal_approve(request, school_slug, proposal_id):
    proposal = get_object_or_404(Proposal, school=request.school, pk=proposal_id)
    if not may_decide(request.roles, proposal):
        raise PermissionDenied("This step is the headteacher's to approve.")
    weeks = None
    if proposal.kind == ProposalKind.NOTICE_TO_IMPROVE:
        form = NoticeIssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
            return _back(request)
        weeks = form.cleaned_data["weeks"]
    try:
        n = legal_steps.proposals_approve(
            school=request.school,
            proposal_ids=[proposal.pk],
            user=request.user,
            role=role_for(request, ROLES_DECIDE),
            weeks=weeks,
        )
    except ValidationError as exc:
        refused(request, exc)
        return _back(request)
    if n:
        messages.success(
            request, f"{proposal.get_kind_display()} for {proposal.pupil.display_name} approved."
        )
    else:
        messages.info(request, "This had already been decided; nothing changed.")
    return _back(request)


@require_POST
@roles_required(ROLES_DECIDE)
def proposal_skip(request, school_slug, proposal_id):
    proposal = get_object_or_404(Proposal, school=request.school, pk=proposal_id)
    if not may_decide(request.roles, proposal):
        raise PermissionDenied("This step is the headteacher's to decide.")
    form = ProposalSkipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why this step is not taken: the reason is kept.")
        return _back(request)
    done = legal_steps.proposal_skip(
        school=request.school,
        proposal=proposal,
        reason=form.cleaned_data["reason"],
        user=request.user,
        role=role_for(request, ROLES_DECIDE),
    )
    if done:
        messages.success(request, f"{proposal.get_kind_display()} not taken; the reason is kept.")
    else:
        messages.info(request, "This had already been decided; nothing changed.")
    return _back(request)


@require_POST
@roles_required(ROLES_CASEWORK)
def task_finish(request, school_slug, task_id):
    task = get_object_or_404(EscalationTask, school=request.school, pk=task_id)
    if not may_finish(request.roles, task):
        raise PermissionDenied(f"This task is for the {task.role.replace('_', ' ')} to record.")
    form = TaskFinishForm(request.POST)
    if form.is_valid():
        try:
            changed = services.task_finish(
                school=request.school,
                task=task,
                done=form.cleaned_data["outcome"] == "done",
                note=form.cleaned_data["note"],
                user=request.user,
                role=role_for(request, ROLES_CASEWORK),
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            if changed:
                messages.success(
                    request, f"{task.get_kind_display()} for {task.pupil.display_name}: recorded."
                )
            else:
                messages.info(request, "This task had already been closed; nothing changed.")
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect(_safe_next(request))


def _safe_next(request) -> str:
    """Back to a page of this school's escalation area only (never another site)."""
    target = request.POST.get("next", "")
    prefix = f"/{request.school.slug}/escalation/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return reverse("escalation:queue", kwargs={"school_slug": request.school.slug})


@roles_required(ROLES_CASEWORK)
def meeting_book(request, school_slug, task_id):
    task = get_object_or_404(
        EscalationTask.objects.select_related("pupil", "case"),
        school=request.school,
        pk=task_id,
    )
    if task.kind != "meeting":
        raise Http404("Only a meeting task is booked.")
    status = 200
    form = BookMeetingForm(request.POST or None)
    if request.method == "POST" and task.status != TaskStatus.OPEN:
        messages.info(request, "This meeting had already been booked; nothing changed.")
        return _back(request)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.meeting_book(
                    school=request.school,
                    task=task,
                    user=request.user,
                    role=role_for(request, ROLES_CASEWORK),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                text = f"Meeting booked for {task.pupil.display_name}."
                if task.letter_kind:
                    text += " The letter is drafted for approval."
                messages.success(request, text)
                return _back(request)
        status = 400
    return page(
        request, "escalation/meeting_book.html", {"task": task, "form": form}, status=status
    )
