from django import forms

from registers.models import MAX_ID
from registers.validation import validate_plausible_date

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
        help_text="Paragraphs in <p>…</p>; fields in {{ … }} (listed below).",
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


def _cause_field(f: kinds.CauseField) -> forms.Field:
    common = {"label": f.help, "required": f.required}
    if f.kind == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}),
            validators=[validate_plausible_date],
            **common,
        )
    if f.kind == "time":
        return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), **common)
    if f.kind == "number":
        limits = {"min_value": f.low, "max_value": f.high}
        if f.whole:
            return forms.IntegerField(**limits, **common)
        return forms.DecimalField(max_digits=6, decimal_places=2, **limits, **common)
    return forms.CharField(max_length=500, **common)


class DraftForm(forms.Form):
    """A letter drafted by hand: its kind, and the details that kind needs."""

    kind = forms.ChoiceField(label="Letter", choices=kinds.Kind.choices)

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cause_names = []
        if kind in kinds.Kind.values:
            self.fields["kind"].initial = kind
            for f in kinds.spec(kind).cause:
                self.fields[f"cause_{f.name}"] = _cause_field(f)
                self.cause_names.append(f.name)

    def cause(self) -> dict:
        return {name: self.cleaned_data.get(f"cause_{name}") for name in self.cause_names}


def letter_ids(values) -> list[int]:
    """Ids from a list of ticked checkboxes; anything that is not a row's id is ignored
    (such as "²", which is a digit to `str.isdigit`, or a number too big for the database)."""
    numbers = (str(v) for v in values)
    return [int(v) for v in numbers if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID]
