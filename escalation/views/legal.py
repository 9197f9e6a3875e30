"""Legal steps: penalty notices (proposed -> approved -> issued -> paid / unpaid ->
prosecution referral, or withdrawn), notices to improve (3-6 weeks chosen per notice,
re-checked at the end) and the evidence pack for the local authority (one PDF).

Approving, withdrawing and referring for prosecution are the headteacher's
(`escalation.roles.ROLES_LEGAL`); recording that a notice was issued, paid or not paid
is the attendance lead's too. Every change is a conditional UPDATE
(`escalation.services.legal_steps`): a double click changes nothing the second time."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from letters import printable
from registers.access import access_record
from registers.models import AccessEvent, Pupil
from registers.permissions import roles_required
from registers.schooldays import academic_year_start
from registers.selectors import local_today

from ..evidence_pack import evidence_pack_pdf
from ..forms import (
    EvidencePackForm,
    NoticeCreateForm,
    NoticeIssueForm,
    NoticeRecheckForm,
    NoticeWithdrawForm,
    PenaltyNoticeMoveForm,
)
from ..models import NoticeToImprove, PenaltyNotice
from ..roles import ROLES_CASEWORK, ROLES_DECIDE, ROLES_LEGAL
from ..services import legal_steps
from ._common import page, refused, role_for


def _back(request, fallback: str = ""):
    target = request.POST.get("next", "")
    prefix = f"/{request.school.slug}/escalation/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return redirect(target)
    return redirect(fallback or prefix + "legal/")


def _notice_row(notice: PenaltyNotice, today):
    """(notice, the moves offered, the day "not paid" may be recorded): "not paid" is
    offered only once the 28-day payment period has ended."""
    nexts = legal_steps.PN_NEXT.get(notice.status, ())
    unpaid_from = legal_steps.unpaid_from(notice)
    if unpaid_from and today < unpaid_from:
        nexts = tuple(s for s in nexts if s != "unpaid")
    return notice, nexts, unpaid_from


@roles_required(ROLES_CASEWORK)
def legal(request, school_slug):
    school = request.school
    today = local_today(school)
    notices = (
        PenaltyNotice.objects.filter(school=school)
        .select_related("pupil", "pupil__registration_group", "contact", "case")
        .order_by("-proposed_on", "pk")
    )
    ntis = (
        NoticeToImprove.objects.filter(school=school)
        .select_related("pupil", "pupil__registration_group", "case")
        .order_by("-proposed_on", "pk")
    )
    return page(
        request,
        "escalation/legal.html",
        {
            "notices": [_notice_row(n, today) for n in notices[:300]],
            "ntis": list(ntis[:300]),
            "legal_moves": legal_steps.PN_LEGAL_MOVES,
            "issue_form": NoticeIssueForm(initial={"weeks": 4}),
        },
    )


@require_POST
@roles_required(ROLES_DECIDE)
def penalty_notice_move(request, school_slug, notice_id):
    notice = get_object_or_404(
        PenaltyNotice.objects.select_related("pupil"), school=request.school, pk=notice_id
    )
    form = PenaltyNoticeMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return _back(request)
    data = form.cleaned_data
    if data["to_status"] in legal_steps.PN_LEGAL_MOVES and not request.roles & ROLES_LEGAL:
        raise PermissionDenied("Approving, withdrawing or referring a notice is the headteacher's.")
    try:
        changed = legal_steps.penalty_notice_move(
            school=request.school,
            notice=notice,
            to_status=data["to_status"],
            user=request.user,
            role=role_for(request, ROLES_DECIDE),
            reason=data["reason"],
            issued_on=data["issued_on"],
            reference=data["reference"],
        )
    except ValidationError as exc:
        if notice.status == data["to_status"]:
            # A second click of the same button: already done.
            messages.info(request, "This was done already; nothing changed.")
        else:
            refused(request, exc)
        return _back(request)
    if changed:
        label = dict(PenaltyNoticeMoveForm.base_fields["to_status"].choices)[data["to_status"]]
        messages.success(
            request, f"Penalty notice for {notice.pupil.display_name}: {label.lower()}."
        )
    else:
        messages.info(request, "The notice had changed meanwhile; nothing changed.")
    return _back(request)


@require_POST
@roles_required(ROLES_DECIDE)
def notice_to_improve_new(request, school_slug, pupil_id):
    pupil = get_object_or_404(Pupil, school=request.school, pk=pupil_id)
    form = NoticeCreateForm(request.POST)
    case_id = request.POST.get("case")
    case = None
    if case_id and case_id.isdigit():
        case = pupil.escalation_cases.filter(pk=int(case_id)).first()
    if form.is_valid():
        try:
            legal_steps.notice_to_improve_create(
                school=request.school,
                pupil=pupil,
                case=case,
                weeks=form.cleaned_data["weeks"],
                user=request.user,
                role=role_for(request, ROLES_DECIDE),
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(
                request, "Notice to improve proposed; the headteacher issues it on the legal page."
            )
    else:
        messages.error(request, "Choose an improvement period of 3 to 6 weeks.")
    return _back(request)


def _nti(request, nti_id) -> NoticeToImprove:
    return get_object_or_404(
        NoticeToImprove.objects.select_related("pupil"), school=request.school, pk=nti_id
    )


@require_POST
@roles_required(ROLES_LEGAL)
def notice_to_improve_issue(request, school_slug, nti_id):
    nti = _nti(request, nti_id)
    form = NoticeIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an improvement period of 3 to 6 weeks.")
        return _back(request)
    try:
        changed = legal_steps.notice_to_improve_issue(
            school=request.school,
            nti=nti,
            weeks=form.cleaned_data["weeks"],
            target_pct=form.cleaned_data["target_pct"],
            user=request.user,
            role=role_for(request, ROLES_LEGAL),
        )
    except ValidationError as exc:
        refused(request, exc)
        return _back(request)
    if changed:
        nti.refresh_from_db()
        messages.success(
            request,
            f"Notice to improve issued to {nti.pupil.display_name}'s parents: "
            f"{nti.weeks} weeks, re-checked on {nti.ends_on:%d/%m/%Y}. Its letter is on its way.",
        )
    else:
        messages.info(request, "This notice had already been issued or withdrawn.")
    return _back(request)


@require_POST
@roles_required(ROLES_LEGAL)
def notice_to_improve_recheck(request, school_slug, nti_id):
    nti = _nti(request, nti_id)
    form = NoticeRecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the outcome and say what the re-check found.")
        return _back(request)
    try:
        changed = legal_steps.notice_to_improve_recheck(
            school=request.school,
            nti=nti,
            improved=form.cleaned_data["improved"],
            note=form.cleaned_data["note"],
            user=request.user,
            role=role_for(request, ROLES_LEGAL),
        )
    except ValidationError as exc:
        refused(request, exc)
        return _back(request)
    if changed:
        messages.success(request, "Re-check recorded.")
    else:
        messages.info(request, "This notice had already been re-checked or withdrawn.")
    return _back(request)


@require_POST
@roles_required(ROLES_LEGAL)
def notice_to_improve_withdraw(request, school_slug, nti_id):
    nti = _nti(request, nti_id)
    form = NoticeWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the notice is withdrawn.")
        return _back(request)
    changed = legal_steps.notice_to_improve_withdraw(
        school=request.school,
        nti=nti,
        reason=form.cleaned_data["reason"],
        user=request.user,
        role=role_for(request, ROLES_LEGAL),
    )
    if changed:
        messages.success(request, "Notice to improve withdrawn.")
    else:
        messages.info(request, "This notice had already been settled.")
    return _back(request)


@roles_required(ROLES_CASEWORK)
def evidence_pack(request, school_slug, pupil_id):
    """The form (a period, the academic year to date by default) and, once given, the
    pack as one PDF download (logged in the access log)."""
    school = request.school
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group"), school=school, pk=pupil_id
    )
    today = local_today(school)
    if "start" not in request.GET:
        form = EvidencePackForm(
            initial={"start": academic_year_start(school=school, day=today), "end": today}
        )
        return page(request, "escalation/evidence_pack.html", {"pupil": pupil, "form": form})
    form = EvidencePackForm(request.GET)
    if not form.is_valid():
        return page(
            request, "escalation/evidence_pack.html", {"pupil": pupil, "form": form}, status=400
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        pdf, _pages = evidence_pack_pdf(
            school=school, pupil=pupil, start=start, end=end, user=request.user
        )
    except (printable.PrintingUnavailable, printable.Unprintable) as exc:
        form.add_error(None, str(exc))
        status = 503 if isinstance(exc, printable.PrintingUnavailable) else 400
        return page(
            request, "escalation/evidence_pack.html", {"pupil": pupil, "form": form}, status=status
        )
    access_record(
        request=request,
        kind=AccessEvent.Kind.EVIDENCE_PACK_DOWNLOADED,
        pupil_id=pupil.pk,
        description=f"escalation evidence pack {start:%Y-%m-%d} to {end:%Y-%m-%d}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"evidence-{pupil.upn}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
