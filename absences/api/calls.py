"""First-day calling in the API, under /api/v1/schools/<slug>/ (issue 9, "API and
commands"): the page's selector and services, the same rules; bad input is a 400 with
field messages and nothing changed.

- GET  calling-list/[?at=YYYY-MM-DDTHH:MM]   DESIGN §9 `calling_list` objects (school time;
                                             default now), with the pupil's name and group
- GET  call-attempts/[?date=YYYY-MM-DD]      the day's attempts (default today)
- POST call-attempts/                        record one attempt (an outcome "spoke" with a
                                             `reason_id` reports the absence)
Who: ROLES_CONTACTS (office, attendance officer and lead, headteacher, school admin).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registers.api.views import AUTHENTICATION, BAD_REQUEST, FORBIDDEN, NOT_FOUND
from registers.events import acting_role
from registers.models import MAX_ID, Contact, Period, Pupil
from registers.selectors import local_today
from registers.validation import parse_date

from ..models import CallAttempt
from ..selectors.calling import calling_list
from ..selectors.contacts import ROLES_CONTACTS
from ..services.calling import call_attempt_record


def _field_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class ContactOut(serializers.Serializer):
    priority = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()


class CallingEntryOut(serializers.Serializer):
    upn = serializers.CharField()
    vulnerable = serializers.BooleanField()
    day_of_absence = serializers.IntegerField()
    unexplained_sessions = serializers.ListField(child=serializers.CharField())
    contacts = ContactOut(many=True)
    status = serializers.ChoiceField(choices=["to_call", "accounted_for", "not_accounted_for"])
    name = serializers.CharField()
    group = serializers.CharField()
    why = serializers.CharField()
    attempts = serializers.IntegerField()


class CallAttemptOut(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn")
    contact_priority = serializers.SerializerMethodField()

    class Meta:
        model = CallAttempt
        fields = [
            "id",
            "upn",
            "date",
            "contact_priority",
            "contact_name",
            "phone",
            "at",
            "outcome",
            "note",
            "report_id",
        ]

    def get_contact_priority(self, obj) -> int | None:
        return obj.contact.priority if obj.contact_id and obj.contact else None


class CallAttemptIn(serializers.Serializer):
    upn = serializers.CharField(max_length=13)
    contact_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    outcome = serializers.ChoiceField(choices=CallAttempt.Outcome.values)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    reason_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    last_day = serializers.DateField(required=False)
    last_period = serializers.ChoiceField(choices=Period.values, default="PM")


class _Calls(APIView):
    authentication_classes = AUTHENTICATION
    read_roles = ROLES_CONTACTS
    write_roles = frozenset()


@extend_schema(
    tags=["calling"],
    summary="Today's first-day calling list (DESIGN §9 calling_list)",
    parameters=[OpenApiParameter("at", str, description="YYYY-MM-DDTHH:MM, school time")],
    responses={
        200: CallingEntryOut(many=True),
        400: BAD_REQUEST,
        403: FORBIDDEN,
        404: NOT_FOUND,
    },
)
class CallingListView(_Calls):
    def get(self, request, school_slug):
        at = None
        raw = request.query_params.get("at")
        if raw:
            try:
                at = datetime.strptime(raw.strip().replace(" ", "T"), "%Y-%m-%dT%H:%M")
            except ValueError:
                raise ValidationError({"at": ["A date and time as YYYY-MM-DDTHH:MM."]}) from None
            at = at.replace(tzinfo=ZoneInfo(request.school.timezone))
        listing = calling_list(school=request.school, at=at)
        rows = [
            {
                **entry.as_json(),
                "name": entry.pupil.display_name,
                "group": entry.group_name,
                "why": entry.why,
                "attempts": len(entry.attempts),
            }
            for entry in listing.entries
        ]
        return Response(CallingEntryOut(rows, many=True).data)


@extend_schema(tags=["calling"], summary="Call attempts of a day; record one")
class CallAttemptList(_Calls):
    write_roles = ROLES_CONTACTS

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD, default today")],
        responses={
            200: CallAttemptOut(many=True),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, school_slug):
        raw = request.query_params.get("date")
        try:
            day = parse_date(raw) if raw else local_today(request.school)
        except ValueError as exc:
            raise ValidationError({"date": [str(exc)]}) from None
        rows = (
            CallAttempt.objects.filter(school=request.school, date=day)
            .select_related("pupil", "contact")
            .order_by("at", "pk")
        )
        return Response(CallAttemptOut(rows, many=True).data)

    @extend_schema(
        request=CallAttemptIn,
        responses={201: CallAttemptOut, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, school_slug):
        data = CallAttemptIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pupil = Pupil.objects.filter(school=request.school, upn=values["upn"].upper()).first()
        if pupil is None:
            raise ValidationError({"upn": ["No pupil with this UPN at this school."]})
        contact = None
        if values.get("contact_id"):
            contact = Contact.objects.filter(
                school=request.school, pupil=pupil, pk=values["contact_id"]
            ).first()
            if contact is None:
                raise ValidationError({"contact_id": ["Not one of this pupil's contacts."]})
        try:
            result = call_attempt_record(
                school=request.school,
                pupil=pupil,
                outcome=values["outcome"],
                user=request.user,
                role=acting_role(request.roles, ROLES_CONTACTS),
                contact=contact,
                contact_name=values.get("contact_name", ""),
                phone=values.get("phone", ""),
                note=values.get("note", ""),
                reason_id=values.get("reason_id"),
                last_day=values.get("last_day"),
                last_period=values["last_period"],
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response(CallAttemptOut(result.attempt).data, status=201)
