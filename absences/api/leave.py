"""Leave of absence in the API, under /api/v1/schools/<slug>/leave-requests/ (issue 9,
"API and commands"): the same services and selectors as the pages, the same rules;
bad input is a 400 with field messages and nothing changed.

- GET  leave-requests/?status=          list (ROLES_LEAVE_VIEW)
- POST leave-requests/                  a paper form entered by the office (ROLES_LEAVE_ENTER)
- GET  leave-requests/<id>/             one request, with its assessment
- POST leave-requests/<id>/decision/    review | ask | grant | partly_grant | refuse | reopen
                                        (ROLES_LEAVE_DECIDE)
- GET  leave-assess/?upn=&from=&to=&requested_on=&ground=[&from_session=&to_session=]
                                        DESIGN §9 `leave_assess`, as JSON
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registers.api.views import AUTHENTICATION, BAD_REQUEST, FORBIDDEN, NOT_FOUND
from registers.events import acting_role
from registers.models import MAX_ID, Period, Pupil

from ..models import LeaveGround, LeaveRequest
from ..models.leave import ROLES_LEAVE_DECIDE, ROLES_LEAVE_ENTER, ROLES_LEAVE_VIEW
from ..selectors import leave as selectors
from ..services.leave import leave_request_submit
from ..services.leave_decide import leave_ask_information, leave_decide, leave_reopen, leave_review

GROUNDS = ("C1", "J1", "S", "C", "C2", "R", "T", "G")


def _field_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class LeaveRequestOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    ground_label = serializers.CharField(source="get_ground_display")
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "upn",
            "status",
            "first_day",
            "first_period",
            "last_day",
            "last_period",
            "ground",
            "ground_label",
            "reason",
            "requested_on",
            "decision",
            "decided_at",
            "granted_sessions",
            "version",
            "evidence",
        ]

    def get_evidence(self, obj) -> list[dict]:
        return [
            {"id": e.pk, "name": e.original_name, "content_type": e.content_type, "size": e.size}
            for e in obj.evidence.all()
        ]


class LeaveRequestIn(serializers.Serializer):
    upn = serializers.CharField(max_length=13)
    first_day = serializers.DateField()
    first_period = serializers.ChoiceField(choices=Period.values, default="AM")
    last_day = serializers.DateField()
    last_period = serializers.ChoiceField(choices=Period.values, default="PM")
    ground = serializers.ChoiceField(choices=LeaveGround.values)
    reason = serializers.CharField(max_length=4000)
    requested_on = serializers.DateField(required=False)


class DecisionIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["review", "ask", "grant", "partly_grant", "refuse", "reopen"]
    )
    decision = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    sessions = serializers.ListField(
        child=serializers.CharField(max_length=13), required=False, default=list, max_length=400
    )
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class CheckOut(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()


class AssessOut(serializers.Serializer):
    """DESIGN §9 `leave_assess`."""

    sessions = serializers.IntegerField()
    attendance_pct_now = serializers.FloatField(allow_null=True)
    attendance_pct_if_granted = serializers.FloatField(allow_null=True)
    checks = CheckOut(many=True)


class LeaveRequestWithAssessment(LeaveRequestOut):
    assessment = AssessOut(read_only=True)

    class Meta(LeaveRequestOut.Meta):
        fields = [*LeaveRequestOut.Meta.fields, "assessment"]


class AssessIn(serializers.Serializer):
    upn = serializers.CharField(max_length=13)
    first_day = serializers.DateField(source="from")
    from_session = serializers.ChoiceField(choices=Period.values, default="AM")
    last_day = serializers.DateField(source="to")
    to_session = serializers.ChoiceField(choices=Period.values, default="PM")
    requested_on = serializers.DateField()
    ground = serializers.ChoiceField(choices=GROUNDS)


class _Leave(APIView):
    authentication_classes = AUTHENTICATION
    read_roles = ROLES_LEAVE_VIEW
    write_roles = frozenset()

    def _request(self, pk: int) -> LeaveRequest:
        found = None
        if 0 < pk <= MAX_ID:
            found = selectors.leave_request_for(school=self.request.school, request_id=pk)
        if found is None:
            raise NotFound("No such leave request.")
        return found


@extend_schema(tags=["leave"], summary="Leave requests (list), or enter a paper form")
class LeaveRequestList(_Leave):
    write_roles = ROLES_LEAVE_ENTER

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=LeaveRequest.Status.values)],
        responses={
            200: LeaveRequestOut(many=True),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, school_slug):
        rows = LeaveRequest.objects.filter(school=request.school).select_related("pupil")
        status = request.query_params.get("status")
        if status:
            if status not in LeaveRequest.Status.values:
                raise ValidationError(
                    {"status": [f"One of {', '.join(LeaveRequest.Status.values)}."]}
                )
            rows = rows.filter(status=status)
        rows = rows.prefetch_related("evidence").order_by("-first_day", "-pk")[:500]
        return Response(LeaveRequestOut(rows, many=True).data)

    @extend_schema(
        request=LeaveRequestIn,
        responses={201: LeaveRequestOut, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, school_slug):
        data = LeaveRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        pupil = Pupil.objects.filter(school=request.school, upn=values.pop("upn").upper()).first()
        if pupil is None:
            raise ValidationError({"upn": ["No pupil with this UPN at this school."]})
        try:
            made = leave_request_submit(
                school=request.school,
                pupil=pupil,
                user=request.user,
                role=acting_role(request.roles, ROLES_LEAVE_ENTER),
                **values,
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response(LeaveRequestOut(made).data, status=201)


@extend_schema(tags=["leave"], summary="One leave request, with the school's assessment")
class LeaveRequestDetail(_Leave):
    @extend_schema(responses={200: LeaveRequestWithAssessment, 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request, school_slug, request_id):
        leave = self._request(request_id)
        body = LeaveRequestOut(leave).data
        body["assessment"] = _json(selectors.request_assess(leave))
        return Response(body)


@extend_schema(tags=["leave"], summary="Decide a leave request")
class LeaveDecision(_Leave):
    write_roles = ROLES_LEAVE_DECIDE

    @extend_schema(
        request=DecisionIn,
        responses={200: LeaveRequestOut, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, school_slug, request_id):
        leave = self._request(request_id)
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        role = acting_role(request.roles, ROLES_LEAVE_DECIDE)
        args = dict(request=leave, user=request.user, role=role)
        try:
            if d["action"] == "review":
                leave = leave_review(**args)
            elif d["action"] == "ask":
                leave = leave_ask_information(**args, message=d["decision"])
            elif d["action"] == "reopen":
                leave = leave_reopen(**args, why=d["decision"])
            else:
                status = {"grant": "granted", "partly_grant": "partly_granted", "refuse": "refused"}
                leave = leave_decide(
                    **args,
                    status=status[d["action"]],
                    decision=d["decision"],
                    sessions=d["sessions"],
                    seen_version=d.get("version"),
                ).request
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response(LeaveRequestOut(leave).data)


def _json(result: dict) -> dict:
    out = dict(result)
    for key in ("attendance_pct_now", "attendance_pct_if_granted"):
        if out[key] is not None:
            out[key] = float(out[key])
    return out


@extend_schema(tags=["leave"], summary="Assess a leave request (DESIGN §9 leave_assess)")
class LeaveAssess(_Leave):
    @extend_schema(
        parameters=[
            OpenApiParameter("upn", str, required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("from_session", str, enum=["AM", "PM"]),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to_session", str, enum=["AM", "PM"]),
            OpenApiParameter("requested_on", OpenApiTypes.DATE, required=True),
            OpenApiParameter("ground", str, enum=list(GROUNDS), required=True),
        ],
        responses={200: AssessOut, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, school_slug):
        raw = {k: request.query_params.get(k) for k in request.query_params}
        data = AssessIn(data={**raw, "first_day": raw.get("from"), "last_day": raw.get("to")})
        if not data.is_valid():
            errors = {
                {"first_day": "from", "last_day": "to"}.get(k, k): v for k, v in data.errors.items()
            }
            raise ValidationError(errors)
        d = data.validated_data
        first, last = (d["from"], d["from_session"]), (d["to"], d["to_session"])
        if last < first:
            raise ValidationError({"to": ["The last day and session come before the first."]})
        pupil = Pupil.objects.filter(school=request.school, upn=d["upn"].upper()).first()
        if pupil is None:
            raise ValidationError({"upn": ["No pupil with this UPN at this school."]})
        result = selectors.leave_assess(
            school=request.school,
            pupil=pupil,
            first=first,
            last=last,
            requested_on=d["requested_on"],
            ground=d["ground"],
        )
        return Response(_json(result))
