"""Query filters for the pupil list (django-filter: bad values answer 400 with a message)."""

import django_filters

from ..models import GroupMembership, Pupil, RegistrationGroup, YearGroup
from ..selectors import local_today, name_or_upn_matches
from ..stats import on_roll
from ..validation import validate_plausible_date


def _school_groups(request):
    if request is None:
        return RegistrationGroup.objects.none()
    return RegistrationGroup.objects.filter(school=request.school)


class PupilFilter(django_filters.FilterSet):
    registration_group = django_filters.ModelChoiceFilter(
        queryset=_school_groups,
        method="filter_registration_group",
        label="In this registration group on the on_roll day (default: today)",
    )
    year_group = django_filters.ChoiceFilter(choices=YearGroup.choices)
    on_roll = django_filters.DateFilter(
        method="filter_on_roll",
        label="On roll on this day (YYYY-MM-DD)",
        validators=[validate_plausible_date],
    )
    search = django_filters.CharFilter(
        method="filter_search", label="Part of a legal or preferred name, or a UPN"
    )

    class Meta:
        model = Pupil
        fields = ["registration_group", "year_group", "on_roll", "search"]

    def filter_registration_group(self, queryset, name, group):
        # The group as dated (DESIGN.md §4): on the day asked about, else today.
        day = self.form.cleaned_data.get("on_roll") or local_today(self.request.school)
        members = GroupMembership.objects.filter(school=self.request.school, group=group)
        return queryset.filter(pk__in=members.covering(day).values("pupil"))

    def filter_on_roll(self, queryset, name, day):
        return queryset.filter(pk__in=on_roll(school=self.request.school, day=day))

    def filter_search(self, queryset, name, value):
        return queryset.filter(name_or_upn_matches(value))
