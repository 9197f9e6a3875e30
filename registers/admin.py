"""The platform operator's admin. Tenant data is edited in the app, not here: the
register's history is shown read-only, and nothing can delete a mark."""

from django import forms
from django.contrib import admin

from .models import (
    AbsenceReason,
    AcademicYear,
    Amendment,
    AttendanceCode,
    Closure,
    Contact,
    Event,
    GroupMembership,
    Mark,
    Membership,
    OutboxTask,
    Pupil,
    Register,
    RegisterTimes,
    RegistrationGroup,
    School,
    Session,
    Term,
    Trust,
)
from .models.crossing import teachers_outside

# Only superusers (who work across schools, unscoped) may use the admin at all.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = "Attendance MIS administration"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    can_delete = False
    fields = ["amended_at", "original_code", "new_code", "reason", "amended_by_name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Mark)
class MarkAdmin(ReadOnlyAdmin):
    list_display = ["pupil", "date", "session", "code", "minutes_late", "source", "version"]
    list_filter = ["school", "code", "source"]
    search_fields = ["pupil__upn", "pupil__legal_surname"]
    date_hierarchy = "date"
    list_select_related = ["pupil", "session", "code"]
    inlines = [AmendmentInline]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["amended_at", "mark", "original_code", "new_code", "amended_by_name", "reason"]
    list_filter = ["school"]


@admin.register(AttendanceCode)
class AttendanceCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "meaning", "category", "possible", "attended"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "trust", "urn", "phase"]
    search_fields = ["name", "urn"]


class GroupMembershipInline(admin.TabularInline):
    """A pupil's dated groups, read-only: moves go through registers.groups.group_move
    (import_roll --effective), which never rewrites the past."""

    model = GroupMembership
    extra = 0
    can_delete = False
    fields = ["group", "starts", "ends"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["upn", "legal_surname", "legal_forename", "year_group", "school"]
    list_filter = ["school", "year_group"]
    search_fields = ["upn", "legal_surname"]
    # The latest group follows the dated spells below; editing it here would not move
    # the pupil's registers.
    readonly_fields = ["registration_group"]
    inlines = [GroupMembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "school", "trust"]
    list_filter = ["role", "school", "trust"]


class RegistrationGroupForm(forms.ModelForm):
    """Refuses teachers with no role at the group's school (a form error, nothing saved);
    the model refuses a contact, pupil or mark across schools (registers.models.crossing)."""

    class Meta:
        model = RegistrationGroup
        fields = ["school", "name", "year_group", "teachers"]

    def clean(self):
        data = super().clean()
        school, teachers = data.get("school"), data.get("teachers")
        if school is not None and teachers:
            self.instance.school = school
            outside = set(teachers_outside(self.instance, [t.pk for t in teachers]))
            if outside:
                names = ", ".join(str(t) for t in teachers if t.pk in outside)
                self.add_error(
                    "teachers", f"No role at {school}: {names}. A group's teachers are its staff."
                )
        return data


@admin.register(RegistrationGroup)
class RegistrationGroupAdmin(admin.ModelAdmin):
    form = RegistrationGroupForm
    list_display = ["name", "year_group", "school"]
    list_filter = ["school"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "relationship", "pupil", "school", "user"]
    list_filter = ["school"]
    search_fields = ["name", "pupil__upn", "pupil__legal_surname"]


for model in (
    Trust,
    AcademicYear,
    Term,
    Closure,
    RegisterTimes,
    AbsenceReason,
):
    admin.site.register(model)

admin.site.register([Session, Register], ReadOnlyAdmin)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """What happened, as the apps' events.py recorded it (never changed)."""

    list_display = ["occurred_at", "school", "kind", "actor_name", "actor_role", "pupil"]
    list_filter = ["school", "kind"]
    search_fields = ["pupil__upn", "actor_name"]
    date_hierarchy = "occurred_at"


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    """Background work and whether it reached the broker (beat re-sends what did not)."""

    list_display = ["created_at", "school", "task", "key", "dispatched_at", "attempts"]
    list_filter = ["school", "task"]
    search_fields = ["key"]
