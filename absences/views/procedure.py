"""The school's first-day calling procedure, /<school_slug>/absences/procedure/ (issue 9):
the attendance lead, the school administrator or the headteacher edit the settings, or
start again from one of the five policies' presets. Bad input: messages by the fields,
nothing saved (one transaction in `procedure_update`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from registers.events import acting_role
from registers.models import ROLES_SCHOOL_SETTINGS, Membership
from registers.permissions import roles_required

from ..models import AbsenceProcedure, ProcedureAction, procedure_for
from ..presets import PRESET_NAMES, preset_replaces_n, preset_values
from ..services.calling import PROCEDURE_FIELDS, procedure_update


class ProcedureForm(forms.ModelForm):
    actions = forms.MultipleChoiceField(
        label="Actions for a pupil not accounted for",
        choices=ProcedureAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leads = forms.ModelMultipleChoiceField(
        label="Designated safeguarding leads",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Without one, the attendance lead and the headteacher see the escalations.",
    )
    replace_overdue_n_with_o = forms.BooleanField(
        label="Replace an N still unexplained after 5 school days by O (nightly, by the system)",
        required=False,
    )

    class Meta:
        model = AbsenceProcedure
        fields = [f for f in PROCEDURE_FIELDS if f != "actions"]
        widgets = {"deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            Membership.objects.filter(school=school)
            .exclude(role="trust_lead")
            .values_list("user_id", flat=True)
        )
        self.fields["leads"].queryset = (
            get_user_model()
            .objects.filter(pk__in=staff, is_active=True)
            .order_by("last_name", "first_name", "username")
        )
        self.fields["leads"].label_from_instance = lambda u: u.get_full_name() or u.username


@roles_required(ROLES_SCHOOL_SETTINGS)
def procedure(request, school_slug):
    school = request.school
    current = procedure_for(school)
    initial = {
        "actions": current.actions,
        "leads": list(current.safeguarding_leads.all()),
        "replace_overdue_n_with_o": school.replace_overdue_n_with_o,
    }
    form = ProcedureForm(instance=current, initial=initial, school=school)
    status = 200
    if request.method == "POST":
        preset = request.POST.get("preset", "")
        if "apply_preset" in request.POST:
            if preset not in PRESET_NAMES:
                messages.error(request, "Choose one of the five presets.")
                return redirect("absences:procedure", school_slug=school_slug)
            values = preset_values(preset)
            replaces = preset_replaces_n(preset)
            procedure_update(
                procedure=current,
                values=values,
                leads=current.safeguarding_leads.all(),
                replace_overdue_n_with_o=bool(replaces),
                user=request.user,
                role=acting_role(request.roles, ROLES_SCHOOL_SETTINGS),
                preset=preset,
            )
            messages.success(request, f"The {PRESET_NAMES[preset]} procedure is now in place.")
            return redirect("absences:procedure", school_slug=school_slug)
        form = ProcedureForm(request.POST, instance=current, initial=initial, school=school)
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in PROCEDURE_FIELDS}
            try:
                procedure_update(
                    procedure=procedure_for(school),
                    values=values,
                    leads=form.cleaned_data["leads"],
                    replace_overdue_n_with_o=form.cleaned_data["replace_overdue_n_with_o"],
                    user=request.user,
                    role=acting_role(request.roles, ROLES_SCHOOL_SETTINGS),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, "The absence procedure is saved.")
                return redirect("absences:procedure", school_slug=school_slug)
        status = 400
    context = {
        "form": form,
        "procedure": current,
        "presets": sorted(PRESET_NAMES.items(), key=lambda p: p[1]),
        "preset_name": PRESET_NAMES.get(current.preset, ""),
    }
    return render(request, "absences/procedure_settings.html", context, status=status)
