"""Registration-group membership, dated (DESIGN.md §4: "a pupil's registration group is
dated (from, to)").

A past register lists who was in the group that day, so the group a pupil was in is a
fact of each day, not of the pupil: one row per spell in a group. `Pupil.registration_group`
stays as the pupil's latest group, for lists and letters ("class 4B"); everything that is
about a day (registers, who may be marked, figures by group) reads these rows.
"""

from django.db import models
from django.db.models import F, Q

from .crossing import refuse_other_schools
from .people import Pupil, RegistrationGroup
from .tenants import School, tenant_manager


class GroupMembershipQuerySet(models.QuerySet):
    def covering(self, day):
        """Spells that include `day` (starts on or before it, ends on or after it)."""
        return self.filter(Q(ends__isnull=True) | Q(ends__gte=day), starts__lte=day)


class GroupMembership(models.Model):
    """A pupil's spell in a registration group, from `starts` to `ends` (both included;
    no end: still there). A pupil's spells never overlap: at most one group a day."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="group_memberships")
    group = models.ForeignKey(
        RegistrationGroup, on_delete=models.PROTECT, related_name="memberships"
    )
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)

    objects = tenant_manager(models.Manager.from_queryset(GroupMembershipQuerySet))

    class Meta:
        ordering = ["pupil", "starts"]
        constraints = [
            models.CheckConstraint(
                name="group_membership_dates_in_order",
                condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")),
            ),
            # Two spells of a pupil cannot start on the same day; overlapping spells are
            # refused by `registers.groups` (and on PostgreSQL by an exclusion constraint,
            # migration 0005_dated_group_memberships).
            models.UniqueConstraint(
                fields=["school", "pupil", "starts"], name="group_membership_unique_start"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "group", "starts"], name="group_membership_group"),
        ]

    def __str__(self):
        return f"{self.pupil_id} in {self.group_id} from {self.starts} to {self.ends or '-'}"

    def clean(self):
        refuse_other_schools(self, ["pupil", "group"])

    def covers(self, day) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)
