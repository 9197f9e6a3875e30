"""The REST API under /api/v1/ (DESIGN.md §3, §9).

Every school endpoint lives under `/api/v1/schools/<school_slug>/`; the middleware has
resolved and scoped the school, `SchoolRole` checks the user's roles there (see
permissions.py for who may do what). Writes go through `registers.services`, figures
come from `registers.stats`.
"""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors as register_selectors
from .. import stats
from ..access import SAFEGUARDING_FIELDS, access_record
from ..models import AccessEvent, AttendanceCode, Mark, Pupil, RegistrationGroup, Role, Session
from ..schooldays import academic_year_start
from ..services import RegisterConflict, marks_write
from ..tokens import ApiTokenAuthentication
from ..validation import parse_date
from . import (
    schema_auth,  # noqa: F401 (the token's OpenAPI security scheme)
    selectors,
)
from .filters import PupilFilter
from .permissions import (
    ROLES_READ,
    ROLES_REGISTER,
    sees_contacts,
    takes_any_register,
)
from .serializers import (
    AttendanceSerializer,
    CodeSerializer,
    ConflictSerializer,
    GroupSerializer,
    PupilDetailSerializer,
    PupilSerializer,
    RegisterSavedSerializer,
    RegisterSaveSerializer,
    RegisterSerializer,
    SessionSerializer,
)

# Token first, so that a request with no credentials is answered 401 with a
# `WWW-Authenticate: Token` header rather than a bare 403. Tokens are knox's (hashed,
# expiring), refused once their owner holds no role (registers.tokens).
AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]

NOT_FOUND = OpenApiResponse(
    description="No such school, no role there, or nothing at this address that you may see."
)
FORBIDDEN = OpenApiResponse(description="Your role at this school does not allow this.")
BAD_REQUEST = OpenApiResponse(description="Field messages, e.g. {'from': ['...']}.")

DATE_RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day, YYYY-MM-DD."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, YYYY-MM-DD."),
]


def date_param(request, name: str, default: date | None = None) -> date | None:
    """A YYYY-MM-DD query parameter in the plausible range (registers.validation), or a
    400 that says which one is wrong."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise ValidationError({name: [str(exc)]}) from None


def check_order(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"to": ["The last day comes before the first."]})


class AtSchool:
    """An endpoint under /schools/<school_slug>/ readable by every staff role, writable by
    none. Membership is not this mixin's doing: `SchoolRole`, the default permission,
    refuses outsiders on every API view whose URL carries a school."""

    authentication_classes = AUTHENTICATION
    read_roles = ROLES_READ
    write_roles = frozenset()


class SchoolAPIView(AtSchool, APIView):
    pass


class SchoolListView(AtSchool, generics.ListAPIView):
    pass


# ---- Reference data -------------------------------------------------------------------


@extend_schema(summary="The national attendance codes", tags=["codes"])
class CodeList(generics.ListAPIView):
    """The national codes in force from 19 August 2024, and how each counts."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = CodeSerializer
    queryset = AttendanceCode.objects.all()
    pagination_class = None
    filter_backends = []


# ---- Pupils ---------------------------------------------------------------------------


@extend_schema(
    summary="Pupils",
    tags=["pupils"],
    responses={200: PupilSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
)
class PupilList(SchoolListView):
    """The school's pupils; a teacher sees the pupils of their own groups only."""

    serializer_class = PupilSerializer
    filterset_class = PupilFilter
    queryset = Pupil.objects.none()  # the model, for the schema; rows come from below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Pupil.objects.none()
        return selectors.pupils_visible(
            school=self.request.school, user=self.request.user, roles=self.request.roles
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        count = response.data.get("count") if isinstance(response.data, dict) else None
        access_record(
            request=request,
            kind=AccessEvent.Kind.PUPIL_LIST_VIEWED,
            description=f"pupil list {request.GET.urlencode()[:200]}".strip()
            + (f" ({count} pupils)" if count is not None else ""),
            safeguarding_fields=SAFEGUARDING_FIELDS,
        )
        return response


@extend_schema(
    summary="A pupil, with contacts for roles that see them",
    tags=["pupils"],
    responses={200: PupilDetailSerializer, 404: NOT_FOUND},
)
class PupilDetail(AtSchool, generics.RetrieveAPIView):
    serializer_class = PupilDetailSerializer
    queryset = Pupil.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Pupil.objects.none()
        return selectors.pupil_detail_queryset(
            school=self.request.school, user=self.request.user, roles=self.request.roles
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["sees_contacts"] = sees_contacts(getattr(self.request, "roles", frozenset()))
        return context

    def retrieve(self, request, *args, **kwargs):
        pupil = self.get_object()
        data = self.get_serializer(pupil).data
        access_record(
            request=request,
            kind=AccessEvent.Kind.PUPIL_VIEWED,
            pupil=pupil,
            description="pupil record" + (" with contacts" if data.get("contacts") else ""),
            safeguarding_fields=[f for f in SAFEGUARDING_FIELDS if f in data],
        )
        return Response(data)


@extend_schema(
    summary="A pupil's attendance over a range, with indicators",
    tags=["pupils"],
    parameters=[
        OpenApiParameter(
            "from",
            OpenApiTypes.DATE,
            description="First day (YYYY-MM-DD); default: the start of the academic year.",
        ),
        OpenApiParameter(
            "to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD); default: today."
        ),
    ],
    responses={200: AttendanceSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
)
class PupilAttendance(SchoolAPIView):
    """Counts from `registers.stats.summarise` and indicators from `stats.indicators`,
    as of the last day of the range."""

    def get(self, request, school_slug, pk):
        school = request.school
        pupil = get_object_or_404(
            selectors.pupils_visible(school=school, user=request.user, roles=request.roles), pk=pk
        )
        end = date_param(request, "to", register_selectors.local_today(school))
        start = date_param(request, "from") or academic_year_start(school=school, day=end)
        check_order(start, end)
        summary = stats.summarise(school=school, start=start, end=end, pupils=[pupil])[pupil.pk]
        access_record(
            request=request,
            kind=AccessEvent.Kind.ATTENDANCE_VIEWED,
            pupil=pupil,
            description=f"attendance {start.isoformat()} to {end.isoformat()}",
        )
        held = stats.indicators(school=school, as_of=end, pupils=[pupil])[pupil.pk]
        data = {
            "start": start,
            "end": end,
            "pupil_id": pupil.pk,
            "possible": summary.possible,
            "attended": summary.attended,
            "present": summary.present,
            "approved_activity": summary.approved_activity,
            "authorised": summary.authorised,
            "unauthorised": summary.unauthorised,
            "absent": summary.absent,
            "lates": summary.lates,
            "attendance_pct": summary.attendance_pct,
            "absence_pct": summary.absence_pct,
            "persistent_absence": summary.persistent_absence,
            "severe_absence": summary.severe_absence,
            "days_missed": summary.days_missed,
            "codes": summary.codes,
            "indicators": held,
        }
        return Response(AttendanceSerializer(data).data)


# ---- Calendar and groups ----------------------------------------------------------------


@extend_schema(
    summary="Sessions (school days and register times)",
    tags=["calendar"],
    parameters=DATE_RANGE,
    responses={200: SessionSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
)
class SessionList(SchoolListView):
    serializer_class = SessionSerializer
    queryset = Session.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        start, end = date_param(self.request, "from"), date_param(self.request, "to")
        check_order(start, end)
        return selectors.sessions_between(school=self.request.school, start=start, end=end)


@extend_schema(
    summary="Registration groups and their teachers",
    tags=["calendar"],
    responses={200: GroupSerializer(many=True), 404: NOT_FOUND},
)
class GroupList(SchoolListView):
    serializer_class = GroupSerializer
    queryset = RegistrationGroup.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RegistrationGroup.objects.none()
        return selectors.groups_with_teachers(school=self.request.school)


# ---- The register -----------------------------------------------------------------------

REGISTER_PATH = [
    OpenApiParameter("group_id", OpenApiTypes.INT, OpenApiParameter.PATH),
    OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH),
    OpenApiParameter("period", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["AM", "PM"]),
]


class RegisterDetail(SchoolAPIView):
    """A group's register for one session: GET to read it, PUT to save marks.

    Allowed: the group's teachers and ROLES_REGISTER_ANY_GROUP (403 for anyone else).
    """

    read_roles = ROLES_REGISTER
    write_roles = ROLES_REGISTER

    def _register(self, request, group_id, day, period):
        """The group, the session and whether the user teaches the group; 404 if the
        group or session is not there, 403 for a teacher of another group."""
        school = request.school
        try:
            day = parse_date(day)
        except ValueError as exc:
            raise ValidationError({"day": [str(exc)]}) from None
        group = get_object_or_404(RegistrationGroup.objects.filter(school=school), pk=group_id)
        session = get_object_or_404(Session.objects.filter(school=school), date=day, period=period)
        teaches = Role.TEACHER in request.roles and register_selectors.teaches(
            group=group, user=request.user
        )
        if not (teaches or takes_any_register(request.roles)):
            raise PermissionDenied("Only the group's teachers and the office take this register.")
        return group, session, teaches

    @extend_schema(
        summary="A group's register for one session",
        tags=["registers"],
        parameters=REGISTER_PATH,
        responses={
            200: RegisterSerializer,
            # A day that is no date, or outside the plausible range (registers.validation).
            400: OpenApiResponse(description="{'day': ['...']}: not a plausible date."),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, school_slug, group_id, day, period):
        group, session, _ = self._register(request, group_id, day, period)
        view = selectors.register_view(school=request.school, group=group, session=session)
        return Response(RegisterSerializer(view).data)

    @extend_schema(
        summary="Save the marks of a group's register, all or none",
        tags=["registers"],
        parameters=REGISTER_PATH,
        request=RegisterSaveSerializer,
        responses={
            200: RegisterSavedSerializer,
            400: OpenApiResponse(
                description="Nothing saved. Field messages per pupil: "
                "{'marks': {'<pupil id>': {'code': ['...']}}}."
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ConflictSerializer,
                description="Nothing saved: someone else changed these pupils' marks since "
                "you read the register. Their marks as saved now.",
            ),
            415: OpenApiResponse(
                description="Nothing saved: the body is not JSON (or a form) as declared."
            ),
        },
    )
    def put(self, request, school_slug, group_id, day, period):
        group, session, teaches = self._register(request, group_id, day, period)
        school = request.school
        serializer = RegisterSaveSerializer(data=request.data, context={"session": session})
        serializer.is_valid(raise_exception=True)
        # The register's roll and planned entries: saving the register makes them marks.
        roll = register_selectors.register_pupils(school=school, group=group, session=session)
        try:
            result = marks_write(
                school=school,
                session=session,
                entries=serializer.entries(),
                actor=request.user,
                role=register_selectors.acting_role(roles=request.roles, teaches_group=teaches),
                source=Mark.Source.API,
                registration_group=group,
                pupils={pupil.pk: pupil for pupil, _ in roll},
                allowed_pupil_ids=selectors.group_pupil_ids(
                    school=school, group=group, day=session.date
                ),
                planned=[plan for _, plan in roll if plan],
                can_change_pre_entered=takes_any_register(request.roles),
            )
        except RegisterConflict as conflict:
            return self._conflict(request, session, conflict)
        except DjangoValidationError as exc:
            raise ValidationError({"marks": service_errors(exc)}) from exc
        view = selectors.register_view(school=school, group=group, session=session)
        saved = {**vars(view), "marked": view.marked, "complete": view.complete, "saved": result}
        return Response(RegisterSavedSerializer(saved).data)

    def _conflict(self, request, session, conflict: RegisterConflict) -> Response:
        pupil_ids = [c.pupil_id for c in conflict.conflicts]
        # Read afresh: when two first saves race, the service knows only that a mark now
        # exists, not what it is.
        marks = register_selectors.session_marks(
            school=request.school, session=session, pupil_ids=pupil_ids
        )
        data = {
            "detail": "Someone else saved these pupils' marks differently since you read the "
            "register. Nothing was saved: for each, send yours again with the version now "
            "saved (and a reason), or leave it out to keep the saved mark.",
            "conflicts": [
                {
                    "pupil": c.pupil_id,
                    "yours": c.mine.code if c.mine else None,
                    "mark": marks.get(c.pupil_id),
                }
                for c in conflict.conflicts
            ],
        }
        return Response(ConflictSerializer(data).data, status=status.HTTP_409_CONFLICT)


def service_errors(exc: DjangoValidationError):
    """The register service's messages, keyed by pupil id and field where it gives them."""
    pupil_errors = getattr(exc, "pupil_errors", None)
    if pupil_errors is not None:
        return {
            pid: {name: [message] for name, message in fields.items()}
            for pid, fields in pupil_errors.items()
        }
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return exc.messages
