"""Shapes of the API's requests and answers. Figures come ready-made from
`registers.stats`; nothing here counts or decides."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..events import actor_name
from ..models import MAX_ID, AttendanceCode, Contact, Mark, Pupil, RegistrationGroup, Session
from ..services import (
    MAX_AMENDMENT_REASON,
    MAX_MINUTES_LATE,
    MAX_NOTE,
    MarkEntry,
    code_for_arrival,
)
from ..stats import INDICATOR_KEYS


def person_name(user) -> str | None:
    return None if user is None else actor_name(user)


# A wall-clock time at the school, with no offset: OpenAPI's `format: time` is RFC 3339
# full-time, which requires one ("08:50:00Z"), so it would misdescribe "08:50:00".
PLAIN_TIME_SCHEMA = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
    "example": "08:50:00",
    "description": "HH:MM:SS, the school's local time (no offset).",
}
HOUR_MINUTE_SCHEMA = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
    "example": "08:55",
}


@extend_schema_field(PLAIN_TIME_SCHEMA)
class PlainTimeField(serializers.TimeField):
    """A TimeField declared in the schema as a local time with no offset."""


@extend_schema_field(HOUR_MINUTE_SCHEMA)
class HourMinuteField(serializers.TimeField):
    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class CodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttendanceCode
        fields = [
            "code",
            "meaning",
            "category",
            "possible",
            "attended",
            "authorised_absence",
            "unauthorised_absence",
            "notes",
        ]


class SessionSerializer(serializers.ModelSerializer):
    opens = PlainTimeField(read_only=True)
    late_after = PlainTimeField(read_only=True)
    closes = PlainTimeField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "date", "period", "opens", "late_after", "closes"]


class TeacherSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return person_name(user)


class GroupSerializer(serializers.ModelSerializer):
    teachers = TeacherSerializer(many=True, read_only=True)

    class Meta:
        model = RegistrationGroup
        fields = ["id", "name", "year_group", "teachers"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "priority",
            "name",
            "relationship",
            "parental_responsibility",
            "phone",
            "email",
            "address",
        ]


class PupilSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    registration_group_name = serializers.CharField(
        source="registration_group.name", read_only=True, allow_null=True, default=None
    )
    is_vulnerable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "display_name",
            "legal_forename",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "date_of_birth",
            "gender",
            "year_group",
            "registration_group",
            "registration_group_name",
            "on_roll_from",
            "on_roll_to",
            "sen",
            "fsm",
            "eal",
            "looked_after",
            "child_in_need",
            "young_carer",
            "is_vulnerable",
        ]
        read_only_fields = fields


class PupilDetailSerializer(PupilSerializer):
    contacts = serializers.SerializerMethodField(
        help_text="In priority order; null when your role does not see contacts."
    )

    class Meta(PupilSerializer.Meta):
        fields = [*PupilSerializer.Meta.fields, "contacts"]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(many=True, allow_null=True))
    def get_contacts(self, pupil):
        if not self.context.get("sees_contacts"):
            return None
        return ContactSerializer(pupil.contacts.all(), many=True).data


class AttendanceSerializer(serializers.Serializer):
    """A `stats.Summary` over a range, with the indicators of DESIGN.md §6."""

    pupil = serializers.IntegerField(source="pupil_id")
    possible = serializers.IntegerField()
    attended = serializers.IntegerField()
    present = serializers.IntegerField()
    approved_activity = serializers.IntegerField()
    authorised = serializers.IntegerField()
    unauthorised = serializers.IntegerField()
    absent = serializers.IntegerField()
    lates = serializers.IntegerField()
    attendance_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Null with no possible sessions."
    )
    absence_pct = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    persistent_absence = serializers.BooleanField(help_text="Absence of 10% or more in the range.")
    severe_absence = serializers.BooleanField(help_text="Absence of 50% or more in the range.")
    days_missed = serializers.DecimalField(max_digits=6, decimal_places=1)
    codes = serializers.DictField(
        child=serializers.IntegerField(), help_text="Sessions per national code."
    )
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=INDICATOR_KEYS),
        help_text="Indicators holding as of `to` (persistent and severe absence here are "
        "over the academic year to that date).",
    )

    def get_fields(self):
        # "from" is a Python keyword, so the range's fields are added here, first.
        return {
            "from": serializers.DateField(source="start"),
            "to": serializers.DateField(source="end"),
            **super().get_fields(),
        }


# ---- The register ---------------------------------------------------------------------


class MarkSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="code_id")
    pre_entered = serializers.BooleanField(
        source="is_pre_entered", help_text="Entered ahead by the office, a parent or leave."
    )
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = Mark
        fields = [
            "code",
            "minutes_late",
            "note",
            "reason",
            "version",
            "source",
            "pre_entered",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_recorded_by(self, mark) -> str | None:
        return person_name(mark.recorded_by)


class RegisterPupilSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    is_vulnerable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pupil
        fields = ["id", "upn", "display_name", "legal_forename", "legal_surname", "is_vulnerable"]
        read_only_fields = fields


class PlannedSerializer(serializers.Serializer):
    code = serializers.CharField(source="code_id")
    note = serializers.CharField()
    source = serializers.CharField()
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField(source="created_at")

    def get_recorded_by(self, plan) -> str | None:
        return person_name(plan.created_by)


class RegisterLineSerializer(serializers.Serializer):
    pupil = RegisterPupilSerializer()
    mark = MarkSerializer(allow_null=True)
    planned = PlannedSerializer(
        allow_null=True,
        help_text="Entered ahead by the office for this session: becomes a mark (source "
        "kept) when the register is saved or the session closes.",
    )


class RegisterTakenSerializer(serializers.Serializer):
    taken_by = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField()
    last_saved_by = serializers.SerializerMethodField()
    last_saved_at = serializers.DateTimeField()

    def get_taken_by(self, register) -> str | None:
        return person_name(register.taken_by)

    def get_last_saved_by(self, register) -> str | None:
        return person_name(register.last_saved_by)


class GroupBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationGroup
        fields = ["id", "name", "year_group"]


class RegisterSerializer(serializers.Serializer):
    session = SessionSerializer()
    group = GroupBriefSerializer()
    marked = serializers.IntegerField(help_text="Pupils on the register with a mark.")
    complete = serializers.BooleanField(
        help_text="Taken: every pupil on roll that session has a mark."
    )
    taken = RegisterTakenSerializer(
        source="register", allow_null=True, help_text="Null until the register is first saved."
    )
    pupils = RegisterLineSerializer(source="lines", many=True, help_text="Pupils on roll that day.")


class SavedCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    amended = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RegisterSavedSerializer(RegisterSerializer):
    saved = SavedCountsSerializer()


class ConflictLineSerializer(serializers.Serializer):
    pupil = serializers.IntegerField()
    yours = serializers.CharField(allow_null=True, help_text="The code you sent.")
    mark = MarkSerializer(
        allow_null=True, help_text="The mark as saved now: code, who saved it and when."
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = ConflictLineSerializer(many=True)


# ---- Saving a register ----------------------------------------------------------------


class MarkLinesSerializer(serializers.ListSerializer):
    """Line errors keyed by pupil id, the way the register service reports its own."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            by_line = _errors_by_line(exc.detail)
            if by_line is None:
                raise
            raise serializers.ValidationError(_errors_by_pupil(data, by_line)) from exc


def _errors_by_line(detail) -> dict | None:
    """{line index: errors}, from either of DRF's list error formats; None for an error
    about the list itself (not a list, empty)."""
    if isinstance(detail, list):
        return dict(enumerate(detail))
    if all(isinstance(key, int) for key in detail):
        return detail
    return None


def _errors_by_pupil(lines, by_line: dict) -> dict:
    keyed = {}
    for index, line_errors in by_line.items():
        if not line_errors:
            continue
        pupil = lines[index].get("pupil") if isinstance(lines[index], dict) else None
        key = str(pupil) if isinstance(pupil, int) else f"line {index + 1}"
        keyed[key] = line_errors
    return keyed


LATE_RANGE = f"Minutes late must be between 0 and {MAX_MINUTES_LATE}."


class MarkLineSerializer(serializers.Serializer):
    """One pupil's line. `version` is the mark's version as the client saw it (0 for no
    mark): if the mark has changed since, nothing is saved and the answer is 409."""

    pupil = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    code = serializers.CharField(
        max_length=2,
        required=False,
        help_text="A national code (see /api/v1/codes/). May be left out when `arrival` is given.",
    )
    arrival = HourMinuteField(
        required=False,
        help_text="HH:MM. The code and minutes late follow from the session's late and close "
        "times (present, L or U).",
    )
    # Limits with the register's own words (services.rules), so a client is told what
    # the page would say.
    minutes_late = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=MAX_MINUTES_LATE,
        error_messages={
            "min_value": LATE_RANGE,
            "max_value": LATE_RANGE,
            "max_string_length": LATE_RANGE,
        },
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_NOTE,
        error_messages={"max_length": f"A note may be at most {MAX_NOTE} characters."},
    )
    reason = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_ID,
        help_text="One of the school's reasons.",
    )
    version = serializers.IntegerField(min_value=0, max_value=MAX_ID, default=0)
    amendment_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_AMENDMENT_REASON,
        error_messages={
            "max_length": "The reason for the change may be at most "
            f"{MAX_AMENDMENT_REASON} characters."
        },
        help_text="Required when changing the code or minutes late of a saved mark.",
    )

    class Meta:
        list_serializer_class = MarkLinesSerializer

    def validate(self, attrs):
        arrival = attrs.pop("arrival", None)
        if arrival is None:
            if not attrs.get("code"):
                raise serializers.ValidationError({"code": ["Give a code or an arrival time."]})
            return attrs
        code, minutes_late = code_for_arrival(session=self.context["session"], arrival=arrival)
        given_code = attrs.get("code")
        if given_code and given_code != code:
            raise serializers.ValidationError(
                {"arrival": [f"Arriving at {arrival:%H:%M} is {code}, not {given_code}."]}
            )
        given_minutes = attrs.get("minutes_late")
        if given_minutes is not None and given_minutes != minutes_late:
            raise serializers.ValidationError(
                {"arrival": [f"Arriving at {arrival:%H:%M} is {minutes_late} minutes late."]}
            )
        attrs["code"], attrs["minutes_late"] = code, minutes_late
        return attrs

    def to_entry(self, line) -> MarkEntry:
        return MarkEntry(
            pupil_id=line["pupil"],
            code=line["code"],
            minutes_late=line["minutes_late"],
            note=line["note"],
            reason_id=line["reason"],
            seen_version=line["version"],
            amendment_reason=line["amendment_reason"],
        )


class RegisterSaveSerializer(serializers.Serializer):
    marks = MarkLineSerializer(many=True, allow_empty=False)

    def entries(self) -> list[MarkEntry]:
        child = self.fields["marks"].child
        return [child.to_entry(line) for line in self.validated_data["marks"]]
