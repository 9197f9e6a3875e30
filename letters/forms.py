from django import forms

from . import kinds
from .models import LOGO_MAX_BYTES, Letterhead
from .services import LETTERHEAD_FIELDS


class TemplateForm(forms.Form):
    subject = forms.CharField(
        label="Heading",
        max_length=200,
        help_text="Shown at the top of the letter and as the email subject.",
        widget=forms.TextInput(attrs={"aria-describedby": "id_subject-help"}),
    )
    body = forms.CharField(
        label="Wording",
        widget=forms.Textarea(
            attrs={"rows": 22, "spellcheck": "true", "aria-describedby": "id_body-help"}
        ),
        help_text="Paragraphs in <p>…</p>; variables in {{ … }} (listed below).",
    )
    show_summary = forms.BooleanField(
        label="Show the attendance table and chart after the letter", required=False
    )


class LetterheadForm(forms.ModelForm):
    logo = forms.ImageField(
        required=False, help_text="PNG or JPEG, at most 1 MB. Printed at the top left."
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    class Meta:
        model = Letterhead
        fields = list(LETTERHEAD_FIELDS)
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "la_address": forms.Textarea(attrs={"rows": 4}),
            "addressing": forms.RadioSelect,
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo must be at most 1 MB.")
        if getattr(logo, "image", None) is not None and logo.image.format not in ("PNG", "JPEG"):
            raise forms.ValidationError("The logo must be a PNG or JPEG image.")
        return logo


_FIELD_TYPES = {
    "date": lambda **kw: forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kw),
    "time": lambda **kw: forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), **kw),
    "number": lambda **kw: forms.DecimalField(max_digits=6, decimal_places=2, **kw),
    "text": lambda **kw: forms.CharField(max_length=500, **kw),
}


class DraftForm(forms.Form):
    """A letter drafted by hand: its kind, and the details that kind needs."""

    kind = forms.ChoiceField(label="Letter", choices=kinds.Kind.choices)

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cause_names = []
        if kind in kinds.Kind.values:
            self.fields["kind"].initial = kind
            for f in kinds.spec(kind).cause:
                self.fields[f"cause_{f.name}"] = _FIELD_TYPES[f.kind](
                    label=f.help, required=f.required
                )
                self.cause_names.append(f.name)

    def cause(self) -> dict:
        return {name: self.cleaned_data.get(f"cause_{name}") for name in self.cause_names}


def letter_ids(values) -> list[int]:
    """Ids from a list of ticked checkboxes; anything that is not a number is ignored."""
    return [int(v) for v in values if str(v).isdigit()]
