"""Forms of the escalation pages. Field checks a browser can be told about live here;
the rules of casework (which moves are allowed, dates in order, the 3-6 weeks of a notice
to improve) are the services' (`escalation.services`), which raise ValidationError keyed
by these fields' names."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from registers.validation import validate_plausible_date

from .ladder import STAGES
from .models import NoticeStatus, Stage, Track
from .presets import PRESETS

REASON_HELP = "Kept with the case, word for word."


def _date(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        # <input type="date"> only takes ISO dates: a dd/mm/yyyy value leaves it empty.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_plausible_date],
    )


def validate_meeting_held(value: dt.date) -> None:
    """Notes of a meeting held at most 3 years ago (recorded after it happened; the
    service refuses a future day). 01/01/1990 is a typing slip."""
    if (dt.date.today() - value).days > 3 * 366:
        raise ValidationError(
            "Choose the day the meeting was held, within the last 3 years.", code="too_old"
        )


def validate_meeting_booked(value: dt.date) -> None:
    """A meeting booked on a weekday within a year from today (2030 is a typing slip)."""
    if (value - dt.date.today()).days > 366:
        raise ValidationError("Choose a day within a year from today.", code="too_far")
    if value.weekday() >= 5:
        raise ValidationError(
            f"{value:%A} {value.day} {value:%B %Y} is a weekend: choose a school day.",
            code="weekend",
        )


def _text(label: str, *, required=False, rows=3, help_text="", max_length=2000):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _reason(label: str = "Reason", help_text: str = REASON_HELP) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=500,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# ---- Cases ------------------------------------------------------------------------------


class CaseMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to")
    reason = _reason()

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [
            (stage, _stage_label(stage)) for stage in STAGES[case.track] if stage != case.stage
        ]


def _stage_label(stage: str) -> str:
    if stage == Stage.NONE:
        return "No stage: close the case"
    return Stage(stage).label


class CaseOpenForm(forms.Form):
    track = forms.ChoiceField(
        label="Track",
        choices=[(t, lbl) for t, lbl in Track.choices if t != Track.WELFARE],
    )
    to_stage = forms.ChoiceField(label="Stage")
    reason = _reason()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(s, lbl) for s, lbl in Stage.choices if s != Stage.NONE]


class MeetingForm(forms.Form):
    held_on = _date("Date of the meeting")
    held_on.validators.append(validate_meeting_held)
    attendees = _text("Who came", required=True, rows=3, help_text="One per line, with their role.")
    barriers = _text("Barriers to attending", help_text="What makes coming to school hard.")
    targets = _text("Targets agreed")
    support = _text("Support offered and agreed")
    review_on = _date(
        "Review date",
        required=False,
        help_text="A review task is added for that day.",
    )
    task = forms.TypedChoiceField(
        label="The meeting task this answers", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (t.pk, f"{t.title} (due {t.due_on:%d/%m/%Y})" if t.due_on else t.title) for t in tasks
        ]
        if choices:
            self.fields["task"].choices = [("", "None")] + choices
        else:
            del self.fields["task"]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text="A PDF, a JPEG photo or a PNG image (the content is checked, not the name).",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    title = forms.CharField(
        label="What it is",
        max_length=200,
        required=False,
        help_text="For example: GP letter, signed parenting contract.",
    )


class TaskFinishForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("done", "Done"), ("skipped", "Not done")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose done or not done."},
    )
    note = forms.CharField(
        label="Note",
        max_length=500,
        required=False,
        help_text="Needed when it is not done: say why.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "skipped" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why it is not done.")
        return data


class BookMeetingForm(forms.Form):
    """A meeting the night asked for: its day, time and place go into the invitation."""

    meeting_date = _date("Day of the meeting")
    meeting_date.validators.append(validate_meeting_booked)
    meeting_time = forms.TimeField(
        label="Time of the meeting", widget=forms.TimeInput(attrs={"type": "time"})
    )
    meeting_place = forms.CharField(label="Where", max_length=200, initial="the school office")
    with_whom = forms.CharField(
        label="Who will be at the meeting",
        max_length=200,
        required=False,
        initial="the attendance lead",
    )


# ---- Legal steps ----------------------------------------------------------------------------


WEEKS = [(n, f"{n} weeks") for n in (3, 4, 5, 6)]


class ProposalSkipForm(forms.Form):
    reason = _reason("Why it is not taken")


class NoticeIssueForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Improvement period",
        choices=WEEKS,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="School weeks from the day after issue; re-checked at the end.",
        error_messages={
            "required": "Choose an improvement period of 3 to 6 weeks.",
            "invalid_choice": "Choose an improvement period of 3 to 6 weeks.",
        },
    )
    target_pct = forms.DecimalField(
        label="Attendance expected, in %",
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=1,
        max_value=100,
        error_messages={
            key: "The attendance expected is a percentage from 1 to 100, e.g. 90."
            for key in ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places")
        },
    )


class NoticeCreateForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Improvement period", choices=WEEKS, coerce=int, widget=forms.RadioSelect
    )


class NoticeRecheckForm(forms.Form):
    improved = forms.TypedChoiceField(
        label="Outcome of the re-check",
        choices=[("yes", "Attendance improved"), ("no", "Not improved")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = _reason("What the re-check found", help_text="The figures and what happens next.")


class NoticeWithdrawForm(forms.Form):
    reason = _reason("Why it is withdrawn")


class PenaltyNoticeMoveForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", choices=NoticeStatus.choices)
    issued_on = _date("Date issued", required=False, help_text="Today if left empty.")
    reference = forms.CharField(label="Reference", max_length=40, required=False)
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        help_text="Needed to withdraw a notice or refer it for prosecution.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvidencePackForm(forms.Form):
    start = _date("From")
    end = _date("To")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day comes before the first.")
        return data


# ---- Policy and simulator ----------------------------------------------------------------


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label="Preset", choices=[(p, p) for p in PRESETS])
    confirm = forms.BooleanField(
        label="I understand every rule of the current ladder, with its edits, is replaced",
        required=False,
    )


class SimulatorForm(forms.Form):
    preset = forms.ChoiceField(label="Policy")
    start = _date("From")
    end = _date("To")

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [("", f"The school's own ({current or 'none'})")] + [
            (p, p) for p in PRESETS
        ]
        self.fields["preset"].required = False

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The range ends after it starts.")
            elif (end - start).days > 366:
                self.add_error("end", "Simulate at most one school year (366 days) at a time.")
        return data
