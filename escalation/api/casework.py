"""Escalation casework in the API, under /api/v1/schools/<slug>/escalation/: the same
selectors and services as the pages, the same rules and roles (`escalation.roles`).
Bad input is a 400 with field messages and nothing changed; a step already decided is a
409 saying so (a retry changes nothing twice).

- GET  escalation/cases/?track=&stage=&state=open|closed|all     cases (ROLES_CASEWORK)
- GET  escalation/cases/<case_id>/                                 one case with its history
- GET  escalation/queue/                                           proposals and open tasks
- POST escalation/proposals/<proposal_id>/approve/                 {"weeks": 3-6 for a notice
                                                                    to improve} (ROLES_DECIDE;
                                                                    legal steps ROLES_LEGAL)
- POST escalation/proposals/<proposal_id>/skip/                    {"reason": "..."}
- GET  escalation/penalty-notices/?status=                         penalty notices
- GET  escalation/penalty-notices/<notice_id>/                     one notice
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registers.api.views import AUTHENTICATION, BAD_REQUEST, FORBIDDEN, NOT_FOUND
from registers.events import acting_role
from registers.models import MAX_ID

from ..models import Case, NoticeStatus, PenaltyNotice, Proposal, Stage, StageEntry
from ..roles import ROLES_CASEWORK, ROLES_DECIDE, may_decide
from ..selectors import cases as case_selectors
from ..selectors.queue import open_tasks, waiting_proposals
from ..services import legal_steps

LIMIT = 500


class Conflict(ValidationError):
    status_code = 409
    default_code = "conflict"


def _field_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class StageEntryOut(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = StageEntry
        fields = ["on", "from_stage", "to_stage", "rule", "by", "role", "reason", "figures"]

    def get_by(self, obj) -> str | None:
        if obj.by_id is None:
            return None
        return obj.by.get_full_name() or obj.by.get_username()


class CaseOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    pupil = serializers.CharField(source="pupil.display_name")

    class Meta:
        model = Case
        fields = [
            "id",
            "upn",
            "pupil",
            "track",
            "stage",
            "stage_since",
            "opened_on",
            "closed_on",
            "close_reason",
        ]


class CaseDetailOut(CaseOut):
    history = StageEntryOut(many=True, source="entries_list")

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "history"]


class ProposalOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    pupil = serializers.CharField(source="pupil.display_name")
    parent_priority = serializers.IntegerField(source="contact.priority", allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "upn",
            "pupil",
            "case",
            "kind",
            "report_kind",
            "parent_priority",
            "proposed_on",
            "approver",
            "status",
            "reason",
            "evidence",
        ]


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    upn = serializers.CharField(source="pupil.upn")
    pupil = serializers.CharField(source="pupil.display_name")
    case = serializers.IntegerField(source="case_id", allow_null=True)
    kind = serializers.CharField()
    to = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()
    created_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    letter_kind = serializers.CharField()


class QueueOut(serializers.Serializer):
    proposals = ProposalOut(many=True)
    tasks = TaskOut(many=True)


class PenaltyNoticeOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    pupil = serializers.CharField(source="pupil.display_name")

    class Meta:
        model = PenaltyNotice
        fields = [
            "id",
            "upn",
            "pupil",
            "parent_priority",
            "case",
            "proposal",
            "notice_number",
            "amount_gbp",
            "issuer",
            "status",
            "proposed_on",
            "issued_on",
            "sessions_counted",
            "reference",
            "reason",
        ]


class ApproveIn(serializers.Serializer):
    weeks = serializers.IntegerField(
        min_value=3, max_value=6, required=False, help_text="A notice to improve's period."
    )


class SkipIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


CONFLICT = OpenApiResponse(description="Already decided: nothing changed ({'status': [...]}).")
DECIDE_RESPONSES = {
    200: ProposalOut,
    400: BAD_REQUEST,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
}


class _Casework(APIView):
    authentication_classes = AUTHENTICATION
    read_roles = ROLES_CASEWORK
    write_roles = frozenset()


def _id(pk: int, what: str) -> int:
    if not 0 < pk <= MAX_ID:
        raise NotFound(f"No such {what}.")
    return pk


def _choice(request, name: str, allowed) -> str:
    value = request.query_params.get(name, "")
    if value and value not in allowed:
        raise ValidationError({name: [f"One of {', '.join(allowed)}."]})
    return value


@extend_schema(tags=["escalation"], summary="Cases by track and stage")
class CaseList(_Casework):
    @extend_schema(
        parameters=[
            OpenApiParameter("track", str, enum=case_selectors.STAGED_TRACKS),
            OpenApiParameter("stage", str),
            OpenApiParameter("state", str, enum=["open", "closed", "all"]),
        ],
        responses={200: CaseOut(many=True), 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, school_slug):
        _choice(request, "track", case_selectors.STAGED_TRACKS)
        _choice(request, "state", ["open", "closed", "all"])
        _choice(request, "stage", [s for s in Stage.values if s != Stage.NONE])
        filters = case_selectors.case_filters(request.query_params)
        rows = case_selectors.cases(school=request.school, filters=filters)[:LIMIT]
        return Response(CaseOut(rows, many=True).data)


@extend_schema(tags=["escalation"], summary="One case with its stage history")
class CaseDetail(_Casework):
    @extend_schema(responses={200: CaseDetailOut, 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request, school_slug, case_id):
        case = case_selectors.case_for(school=request.school, case_id=_id(case_id, "case"))
        if case is None:
            raise NotFound("No such case.")
        case.entries_list = list(
            StageEntry.objects.filter(school=request.school, case=case).select_related("by")
        )
        return Response(CaseDetailOut(case).data)


@extend_schema(tags=["escalation"], summary="The morning queue: proposals and open tasks")
class QueueView(_Casework):
    @extend_schema(responses={200: QueueOut, 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request, school_slug):
        return Response(
            {
                "proposals": ProposalOut(
                    waiting_proposals(school=request.school)[:LIMIT], many=True
                ).data,
                "tasks": TaskOut(open_tasks(school=request.school)[:LIMIT], many=True).data,
            }
        )


class _Decide(_Casework):
    write_roles = ROLES_DECIDE

    def _proposal(self, proposal_id: int) -> Proposal:
        found = (
            Proposal.objects.filter(school=self.request.school, pk=_id(proposal_id, "proposal"))
            .select_related("pupil", "contact")
            .first()
        )
        if found is None:
            raise NotFound("No such proposal.")
        if not may_decide(self.request.roles, found):
            raise PermissionDenied("This step is the headteacher's to decide.")
        return found


@extend_schema(tags=["escalation"], summary="Approve a proposal")
class ProposalApprove(_Decide):
    @extend_schema(request=ApproveIn, responses=DECIDE_RESPONSES)
    def post(self, request, school_slug, proposal_id):
        proposal = self._proposal(proposal_id)
        data = ApproveIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            n = legal_steps.proposals_approve(
                school=request.school,
                proposal_ids=[proposal.pk],
                user=request.user,
                role=acting_role(request.roles, ROLES_DECIDE),
                weeks=data.validated_data.get("weeks"),
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        if not n:
            raise Conflict({"status": [f"Already {proposal.status}: nothing changed."]})
        proposal.refresh_from_db()
        return Response(ProposalOut(proposal).data)


@extend_schema(tags=["escalation"], summary="Skip a proposal, with a reason")
class ProposalSkip(_Decide):
    @extend_schema(request=SkipIn, responses=DECIDE_RESPONSES)
    def post(self, request, school_slug, proposal_id):
        proposal = self._proposal(proposal_id)
        data = SkipIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            done = legal_steps.proposal_skip(
                school=request.school,
                proposal=proposal,
                reason=data.validated_data["reason"],
                user=request.user,
                role=acting_role(request.roles, ROLES_DECIDE),
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        if not done:
            raise Conflict({"status": [f"Already {proposal.status}: nothing changed."]})
        proposal.refresh_from_db()
        return Response(ProposalOut(proposal).data)


@extend_schema(tags=["escalation"], summary="Penalty notices")
class PenaltyNoticeList(_Casework):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=NoticeStatus.values)],
        responses={
            200: PenaltyNoticeOut(many=True),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, school_slug):
        status = _choice(request, "status", NoticeStatus.values)
        rows = PenaltyNotice.objects.filter(school=request.school).select_related("pupil")
        if status:
            rows = rows.filter(status=status)
        return Response(
            PenaltyNoticeOut(rows.order_by("-proposed_on", "pk")[:LIMIT], many=True).data
        )


@extend_schema(tags=["escalation"], summary="One penalty notice")
class PenaltyNoticeDetail(_Casework):
    @extend_schema(responses={200: PenaltyNoticeOut, 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request, school_slug, notice_id):
        notice = (
            PenaltyNotice.objects.filter(school=request.school, pk=_id(notice_id, "notice"))
            .select_related("pupil")
            .first()
        )
        if notice is None:
            raise NotFound("No such penalty notice.")
        return Response(PenaltyNoticeOut(notice).data)
