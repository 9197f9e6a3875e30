"""Absence reports in the API, under /api/v1/schools/<slug>/absence-reports/ (the absences
issue, "API and commands"): the same services as the office page, the same rules and
messages; bad input is a 4xx with field messages and nothing changed.

- GET  absence-reports/?status=&upn=&from=&to=   list, newest first (at most 500)
- POST absence-reports/                           log a report (source: office); 201
- POST absence-reports/<id>/accept/               accept a parent's pending report
- POST absence-reports/<id>/withdraw/             withdraw (why, amend_marks)

A report contradicting a saved mark answers 409 with the sessions concerned; send it
again with `on_conflict` ("keep" or "replace"). Roles: ROLES_REPORTS (office,
attendance officer and lead, headteacher, school admin) for reading and writing.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registers.api.views import AUTHENTICATION, BAD_REQUEST, NOT_FOUND, date_param
from registers.events import acting_role
from registers.models import MAX_ID, AbsenceReason, Contact, Period, Pupil

from ..models import AbsenceReport
from ..models.reports import ROLES_REPORTS
from ..selectors import reports as selectors
from ..services.reports import (
    OnConflict,
    ReportConflict,
    report_absence,
    report_accept,
    report_withdraw,
)

OFFICE_CHANNELS = [c for c in AbsenceReport.Channel.values if c != AbsenceReport.Channel.PORTAL]
UNSUPPORTED = OpenApiResponse(description="Nothing changed: the body is not JSON or a form.")


class ReportOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    pupil_name = serializers.CharField(source="pupil.display_name")
    reason_name = serializers.CharField(source="reason.name")
    code = serializers.CharField(source="reason.code_id")
    reported_by = serializers.CharField()

    class Meta:
        model = AbsenceReport
        fields = [
            "id",
            "upn",
            "pupil_name",
            "status",
            "source",
            "channel",
            "contact",
            "reporter",
            "reported_by",
            "reason",
            "reason_name",
            "code",
            "first_day",
            "first_period",
            "last_day",
            "last_period",
            "note",
            "created_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ReportIn(serializers.Serializer):
    upn = serializers.CharField(max_length=13)
    contact = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Contact id"
    )
    reporter = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Who reported it, if not a contact",
    )
    channel = serializers.ChoiceField(choices=OFFICE_CHANNELS)
    reason = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of one of the school's absence reasons"
    )
    first_day = serializers.DateField()
    first_period = serializers.ChoiceField(choices=Period.choices, default=Period.AM)
    last_day = serializers.DateField()
    last_period = serializers.ChoiceField(choices=Period.choices, default=Period.PM)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    on_conflict = serializers.ChoiceField(
        choices=OnConflict.values, required=False, allow_null=True, default=None
    )


class AcceptIn(serializers.Serializer):
    on_conflict = serializers.ChoiceField(
        choices=OnConflict.values, required=False, allow_null=True, default=None
    )


class WithdrawIn(serializers.Serializer):
    why = serializers.CharField(max_length=500)
    amend_marks = serializers.BooleanField(required=False, default=False)


class HeldOut(serializers.Serializer):
    date = serializers.DateField()
    period = serializers.CharField()
    code = serializers.CharField()
    planned = serializers.BooleanField()


class ConflictOut(serializers.Serializer):
    on_conflict = serializers.ListField(child=serializers.CharField())
    sessions = HeldOut(many=True)


CONFLICT = OpenApiResponse(
    ConflictOut,
    description="Nothing changed: the register holds another code for these sessions. "
    "Send again with on_conflict 'keep' or 'replace'.",
)


def _errors(exc: DjangoValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return ValidationError({"non_field_errors": exc.messages})
    return ValidationError(
        {
            ("non_field_errors" if k == NON_FIELD_ERRORS else k): v
            for k, v in exc.message_dict.items()
        }
    )


def _conflict(exc: ReportConflict) -> Response:
    body = {
        "on_conflict": exc.message_dict["on_conflict"],
        "sessions": [
            {
                "date": h.session.date,
                "period": h.session.period,
                "code": h.code,
                "planned": h.planned,
            }
            for h in exc.sessions
        ],
    }
    return Response(ConflictOut(body).data, status=409)


class _Reports(APIView):
    authentication_classes = AUTHENTICATION
    read_roles = ROLES_REPORTS
    write_roles = ROLES_REPORTS

    def _report(self, report_id: int) -> AbsenceReport:
        found = None
        if 0 < report_id <= MAX_ID:
            found = selectors.report_get(school=self.request.school, report_id=report_id)
        if found is None:
            raise NotFound("No such absence report.")
        return found

    def _role(self) -> str:
        return acting_role(self.request.roles, ROLES_REPORTS)


class ReportList(_Reports):
    @extend_schema(
        summary="Absence reports, newest first",
        tags=["absence reports"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=AbsenceReport.Status.values),
            OpenApiParameter("upn", OpenApiTypes.STR, description="One pupil's reports."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Covering this day or later."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Covering this day or earlier."),
        ],
        responses={200: ReportOut(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def get(self, request, school_slug):
        status = request.query_params.get("status") or None
        if status is not None and status not in AbsenceReport.Status.values:
            raise ValidationError({"status": [f"One of {', '.join(AbsenceReport.Status.values)}."]})
        pupil_id = None
        upn = request.query_params.get("upn")
        if upn:
            pupil_id = (
                Pupil.objects.filter(school=request.school, upn=upn.strip().upper()[:13])
                .values_list("pk", flat=True)
                .first()
            )
            if pupil_id is None:
                return Response([])
        day_from, day_to = date_param(request, "from"), date_param(request, "to")
        rows = selectors.report_list(
            school=request.school,
            status=status,
            pupil_id=pupil_id,
            day_from=day_from,
            day_to=day_to,
        )[:500]
        return Response(ReportOut(rows, many=True).data)

    @extend_schema(
        summary="Log an absence report (a call, email, text, app message or visit)",
        tags=["absence reports"],
        request=ReportIn,
        responses={
            201: ReportOut,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: CONFLICT,
            415: UNSUPPORTED,
        },
    )
    def post(self, request, school_slug):
        data = ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        school = request.school
        pupil = Pupil.objects.filter(school=school, upn=values.pop("upn").strip().upper()).first()
        if pupil is None:
            raise ValidationError({"upn": ["No pupil with this UPN at this school."]})
        reason = AbsenceReason.objects.filter(school=school, pk=values.pop("reason")).first()
        if reason is None:
            raise ValidationError({"reason": ["No such reason at this school."]})
        contact_id = values.pop("contact", None)
        contact = None
        if contact_id:
            contact = Contact.objects.filter(school=school, pupil=pupil, pk=contact_id).first()
            if contact is None:
                raise ValidationError({"contact": ["Not one of this pupil's contacts."]})
        try:
            report = report_absence(
                school=school,
                pupil=pupil,
                reason=reason,
                contact=contact,
                source=AbsenceReport.Source.OFFICE,
                actor=request.user,
                role=self._role(),
                **values,
            )
        except ReportConflict as exc:
            return _conflict(exc)
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(ReportOut(report).data, status=201)


class ReportAccept(_Reports):
    @extend_schema(
        summary="Accept a parent's pending absence report",
        tags=["absence reports"],
        request=AcceptIn,
        responses={
            200: ReportOut,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: CONFLICT,
            415: UNSUPPORTED,
        },
    )
    def post(self, request, school_slug, report_id):
        report = self._report(report_id)
        data = AcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            report = report_accept(
                report=report,
                actor=request.user,
                role=self._role(),
                on_conflict=data.validated_data["on_conflict"],
            )
        except ReportConflict as exc:
            return _conflict(exc)
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(ReportOut(report).data)


class ReportWithdraw(_Reports):
    @extend_schema(
        summary="Withdraw an absence report",
        description="Planned entries for days to come are withdrawn; marks already written "
        "stay unless amend_marks, which changes those still holding the report's code to N.",
        tags=["absence reports"],
        request=WithdrawIn,
        responses={200: ReportOut, 400: BAD_REQUEST, 404: NOT_FOUND, 415: UNSUPPORTED},
    )
    def post(self, request, school_slug, report_id):
        report = self._report(report_id)
        data = WithdrawIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            report = report_withdraw(
                report=report, actor=request.user, role=self._role(), **data.validated_data
            )
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(ReportOut(report).data)
