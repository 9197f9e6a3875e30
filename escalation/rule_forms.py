"""The form of one rule of a school's ladder (the policy page's "Edit"), with formsets for
its tests and actions. Validation is `escalation.ladder`'s: the form turns the posted
fields into a rule's data (`RuleEditor.data()`), and `ladder.rule_from_data` says what is
wrong, naming each problem (shown above the form). The rule's id, track and type are not
edited here (they tie it to its clause of the policy: RULES.md ids); keys the form does
not show (a calendar point's label) are kept as they were."""

from __future__ import annotations

import calendar
import contextlib
import re

from django import forms

from . import ladder

TRI = [("", "Either"), ("yes", "Yes"), ("no", "No")]
_TRI_VALUE = {"": None, "yes": True, "no": False}


def _tri(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def _choices(values, words=None, blank=None):
    out = [("", blank)] if blank is not None else []
    return out + [(v, (words or {}).get(v, str(v).replace("_", " "))) for v in values]


_POINT_WORDS = {
    "nightly": "Each school day",
    "HT_end": "End of each half term",
    "term_end": "End of each term",
    "block_end": "End of each block of weeks",
    "review2": "2nd week after each break",
    "year_start": "First school day of the year",
    "term_start": "First school day of a term",
    "month_end": "Last school day of a month",
}
_WINDOW_WORDS = {k: v[1].replace("{n}", "N") for k, v in ladder.WINDOW_KINDS.items()}
_METRIC_WORDS = {
    "attendance_pct": "Attendance %",
    "absence_pct": "Absence %",
    "possible": "Possible sessions",
    "sessions": "Sessions with given codes",
    "unauthorised": "Unauthorised sessions (G, N, O, U)",
    "lates": "Late arrivals (L)",
    "consecutive_days": "School days absent in a row",
    "indicator": "A measure holds (persistent absence, …)",
    "refused_leave_taken": "Refused leave taken (sessions)",
}
_INDICATOR_WORDS = {
    "persistent_absence": "Persistently absent (10% or more)",
    "severe_absence": "Severely absent (50% or more)",
    "penalty_threshold": "10+ unauthorised sessions in 10 school weeks",
    "missing_from_school": "Every session of the last 10 school days missed, unexplained",
    "deletion_review": "Every session of the last 20 school days missed, unexplained",
    "long_illness": "30+ sessions of illness this year",
}
_TO_WORDS = {
    "la": "The local authority",
    "tas": "Targeted attendance support",
    "school_nurse": "The school nurse",
    "social_care": "Children's social care",
    "early_help": "Early help",
    "sick_children_service": "The sick children's service",
}
_KIND_WORDS = {
    "stage_1": "Stage 1 letter",
    "stage_2": "Stage 2 letter",
    "stage_3": "Stage 3 letter",
    "improvement": "Letter on improvement",
    "lateness_1": "First lateness letter",
    "lateness_2": "Second lateness letter",
    "persistent_absence": "Persistent absence letter",
    "traffic_yellow": "Yellow (traffic light) letter",
    "traffic_amber": "Amber (traffic light) letter",
    "traffic_red": "Red (traffic light) letter",
    "notice_to_improve": "Notice to improve",
    "penalty_warning": "Penalty warning letter",
    "meeting_invitation": "Meeting invitation",
    "certificate_100": "Certificate for 100% attendance",
    "missing_from_school": "Missing from school",
    "call": "Phone call",
    "meeting": "Meeting",
    "home_visit": "Home visit",
    "referral": "Referral",
    "review": "Review",
    "evidence_request": "Ask for evidence",
    "penalty_notice": "Penalty notice",
    "alternative_action": "Alternative action",
    "long_illness": "Long illness",
    "deletion_review": "Review before taking off roll",
    "termly_list": "Termly list",
    "part_time_timetable": "Part-time timetable",
    "social_worker": "Tell the social worker",
}
_ROLE_WORDS = {
    "office": "Office",
    "attendance_officer": "Attendance officer",
    "attendance_lead": "Attendance lead",
    "headteacher": "Headteacher",
    "school_admin": "School admin",
}
_KIND_GROUPS = [
    ("Letter", ladder.LETTER_KINDS),
    ("Task", ladder.TASK_KINDS),
    ("Legal step", ladder.LEGAL_KINDS),
    ("Report to the LA", ladder.REPORT_KINDS),
]


class RuleForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=120,
        required=False,
        help_text="Shown in lists: keep it in step with the figures below.",
    )
    enabled = forms.BooleanField(label="Switched on", required=False)
    when_point = forms.ChoiceField(label="When", choices=_choices(ladder.POINTS, _POINT_WORDS))
    when_weeks = forms.IntegerField(
        label="Block length (school weeks)", required=False, min_value=1, max_value=20
    )
    when_terms = forms.TypedMultipleChoiceField(
        label="Terms (first day of)",
        required=False,
        coerce=int,
        choices=[(1, "Autumn"), (2, "Spring"), (3, "Summer")],
        widget=forms.CheckboxSelectMultiple,
    )
    when_months = forms.TypedMultipleChoiceField(
        label="Months (last school day of)",
        required=False,
        coerce=int,
        choices=[(i, calendar.month_name[i]) for i in range(1, 13)],
        widget=forms.CheckboxSelectMultiple,
    )
    to_stage = forms.ChoiceField(label="Move the track to", required=False)
    from_stages = forms.MultipleChoiceField(
        label="Only from these stages", required=False, widget=forms.CheckboxSelectMultiple
    )
    min_gap_school_days = forms.IntegerField(
        label="Minimum school days since the stage began", min_value=0, max_value=200, initial=0
    )
    once = forms.ChoiceField(
        label="How often",
        choices=[
            ("always", "Every time it holds"),
            ("year", "Once a year"),
            ("term", "Once a term"),
            ("episode", "Once each time it happens"),
            ("open_task", "Not while its last task is open"),
        ],
    )
    min_possible = forms.IntegerField(
        label="Fewest possible sessions for a percentage",
        required=False,
        min_value=0,
        max_value=400,
        help_text="Empty: 20 for rules run each night, 1 at calendar points.",
    )
    opened_by = forms.ChoiceField(
        label="Case open since the start of",
        required=False,
        choices=_choices(ladder.OPENED_BY, blank="Any time"),
    )
    meeting_held = forms.ChoiceField(
        label="A meeting held since the stage began", choices=TRI, required=False
    )
    compulsory_age = forms.ChoiceField(
        label="Pupil of compulsory school age", choices=TRI, required=False
    )
    sen = forms.ChoiceField(label="Pupil with SEN", choices=TRI, required=False)
    looked_after = forms.ChoiceField(label="Pupil looked after", choices=TRI, required=False)
    vulnerable = forms.ChoiceField(label="Pupil vulnerable", choices=TRI, required=False)
    open_track = forms.ChoiceField(
        label="Pupil has an open case on",
        required=False,
        choices=_choices(ladder.TRACKS[:3], blank="No condition"),
    )
    approval = forms.BooleanField(
        label="A person approves before anything goes out", required=False
    )
    approver = forms.ChoiceField(
        label="Who approves",
        required=False,
        choices=_choices(ladder.ROLES, _ROLE_WORDS, "Anyone who may"),
    )

    def __init__(self, *args, rule: dict, **kwargs):
        super().__init__(*args, **kwargs)
        stages = ladder.STAGES[rule["track"]]
        self.fields["to_stage"].choices = _choices(stages, blank="No change")
        self.fields["from_stages"].choices = _choices(stages)


PERCENT_METRICS = ("attendance_pct", "absence_pct")


class TestForm(forms.Form):
    group = forms.ChoiceField(
        label="Counts as",
        choices=[("all", "Must hold"), ("any", "One of these")],
        initial="all",
    )
    # Each select of a test or an action starts with an empty choice: a browser posts a
    # select's first option, and a real one would make the blank extra form "changed".
    metric = forms.ChoiceField(
        label="Figure", choices=_choices(ladder.METRIC_KINDS, _METRIC_WORDS, "—")
    )
    window = forms.ChoiceField(
        label="Over", required=False, choices=_choices(ladder.WINDOW_KINDS, _WINDOW_WORDS, "—")
    )
    n = forms.IntegerField(label="N", required=False, min_value=1, max_value=60)
    codes = forms.CharField(
        label="Codes", required=False, max_length=60, help_text="Register codes, e.g. G N O U."
    )
    key = forms.ChoiceField(
        label="Measure",
        required=False,
        choices=_choices(ladder.INDICATORS, _INDICATOR_WORDS, blank="—"),
    )
    rearm = forms.BooleanField(label="Only after the last notice", required=False)
    op = forms.ChoiceField(label="Is", choices=list(ladder.OPS.items()), initial=">=")
    value = forms.CharField(label="Value", max_length=12)

    def clean(self):
        """A percentage is a number from 0 to 100 (92.5 is fine); every other figure is a
        count of sessions, days or arrivals: a whole number, 0 or more."""
        data = super().clean()
        metric, value = data.get("metric"), (data.get("value") or "").strip()
        if not metric or not value:
            return data
        if metric in PERCENT_METRICS:
            if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", value) or float(value) > 100:
                self.add_error("value", "A percentage is a number from 0 to 100, e.g. 90 or 92.5.")
        elif not re.fullmatch(r"\d{1,4}", value):
            self.add_error("value", "A count is a whole number, 0 or more, e.g. 5.")
        return data


class ActionForm(forms.Form):
    type = forms.ChoiceField(label="Action", choices=_choices(ladder.ACTION_TYPES, blank="—"))
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "—")]
        + [(g, [(k, _KIND_WORDS.get(k, k)) for k in kinds]) for g, kinds in _KIND_GROUPS],
    )
    role = forms.ChoiceField(
        label="Task for", required=False, choices=_choices(ladder.ROLES, _ROLE_WORDS, "—")
    )
    due_days = forms.IntegerField(
        label="Due in (school days)", required=False, min_value=0, max_value=60
    )
    to = forms.ChoiceField(
        label="To", required=False, choices=_choices(ladder.TASK_TO, _TO_WORDS, blank="—")
    )
    note = forms.CharField(label="Note", required=False, max_length=200)
    weeks = forms.IntegerField(
        label="Improvement period (weeks)", required=False, min_value=3, max_value=6
    )

    def clean(self):
        data = super().clean()
        type_, kind = data.get("type"), data.get("kind")
        # _KIND_GROUPS is in the order of ladder.ACTION_TYPES: letter, task, legal, report.
        groups = dict(zip(ladder.ACTION_TYPES, _KIND_GROUPS, strict=True))
        if type_ and kind and kind not in groups[type_][1]:
            label, kinds = groups[type_]
            names = ", ".join(_KIND_WORDS.get(k, k).lower() for k in kinds)
            self.add_error("kind", f"A {label.lower()} is one of: {names}.")
        return data


TestFormSet = forms.formset_factory(TestForm, extra=1, can_delete=True, max_num=12)
ActionFormSet = forms.formset_factory(ActionForm, extra=1, can_delete=True, max_num=12)


def _test_initial(test: dict, group: str) -> dict:
    metric = test.get("metric", {})
    window = metric.get("window") or {}
    return {
        "group": group,
        "metric": metric.get("kind", ""),
        "window": window.get("kind", ""),
        "n": window.get("n"),
        "codes": " ".join(metric.get("codes", [])),
        "key": metric.get("key", ""),
        "rearm": metric.get("rearm", False),
        "op": test.get("op", ">="),
        "value": str(test.get("value", 1)),
    }


class RuleEditor:
    """The rule form and its two formsets, bound to a post or filled from the rule."""

    def __init__(self, rule: dict, data=None):
        self.rule = rule
        when = rule.get("when") or {}
        pupil = rule.get("pupil") or {}
        initial = {
            "title": rule.get("title", ""),
            "enabled": rule.get("enabled", True),
            "when_point": when.get("point", "nightly"),
            "when_weeks": when.get("weeks"),
            "when_terms": when.get("terms", []),
            "when_months": when.get("months", []),
            "to_stage": rule.get("to_stage") or "",
            "from_stages": rule.get("from_stages", []),
            "min_gap_school_days": rule.get("min_gap_school_days", 0),
            "once": rule.get("once", "always"),
            "min_possible": rule.get("min_possible"),
            "opened_by": rule.get("opened_by", ""),
            "meeting_held": _tri(rule.get("meeting_held")),
            "compulsory_age": _tri(pupil.get("compulsory_age")),
            "sen": _tri(pupil.get("sen")),
            "looked_after": _tri(pupil.get("looked_after")),
            "vulnerable": _tri(pupil.get("vulnerable")),
            "open_track": pupil.get("open_track", ""),
            "approval": rule.get("approval", True),
            "approver": rule.get("approver", ""),
        }
        tests = [_test_initial(t, "all") for t in rule.get("tests", [])] + [
            _test_initial(t, "any") for t in rule.get("any_of", [])
        ]
        actions = [
            {k: a.get(k) for k in ("type", "kind", "role", "due_days", "to", "note", "weeks")}
            for a in rule.get("actions", [])
        ]
        if data is None:
            self.form = RuleForm(rule=rule, initial=initial)
            self.tests = TestFormSet(prefix="test", initial=tests)
            self.actions = ActionFormSet(prefix="action", initial=actions)
        else:
            self.form = RuleForm(data, rule=rule, initial=initial)
            self.tests = TestFormSet(data, prefix="test", initial=tests)
            self.actions = ActionFormSet(data, prefix="action", initial=actions)

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.tests.is_valid(), self.actions.is_valid()])

    def errors(self) -> list[str]:
        """Field errors in words, for the summary above the form."""
        out = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else ""
            out += [f"{label}: {e}" if label else e for e in errors]
        for what, formset in (("Test", self.tests), ("Action", self.actions)):
            for i, errors in enumerate(formset.errors, start=1):
                for name, messages in errors.items():
                    label = formset.forms[i - 1].fields[name].label if name != "__all__" else ""
                    out += [f"{what} {i}, {label}: {m}" for m in messages]
            out += list(formset.non_form_errors())
        return out

    def data(self) -> dict:
        """The rule as data, from the cleaned form (call after `is_valid`)."""
        c = self.form.cleaned_data
        old = self.rule
        when = {"point": c["when_point"]}
        if c["when_weeks"] is not None:
            when["weeks"] = c["when_weeks"]
        if c["when_terms"]:
            when["terms"] = list(c["when_terms"])
        if c["when_months"]:
            when["months"] = list(c["when_months"])
        if (old.get("when") or {}).get("label"):
            when["label"] = old["when"]["label"]
        pupil = {
            name: _TRI_VALUE[c[name]]
            for name in ("compulsory_age", "sen", "looked_after", "vulnerable")
            if c[name]
        }
        if c["open_track"]:
            pupil["open_track"] = c["open_track"]
        data = {
            "id": old["id"],
            "track": old["track"],
            "type": old["type"],
            "when": when,
            "title": c["title"],
            "enabled": c["enabled"],
            "once": c["once"],
            "min_gap_school_days": c["min_gap_school_days"],
            "approval": c["approval"],
            "approver": c["approver"],
            "tests": [],
            "any_of": [],
            "actions": [],
        }
        if c["to_stage"]:
            data["to_stage"] = c["to_stage"]
        if c["from_stages"]:
            data["from_stages"] = list(c["from_stages"])
        if c["min_possible"] is not None:
            data["min_possible"] = c["min_possible"]
        if c["opened_by"]:
            data["opened_by"] = c["opened_by"]
        if c["meeting_held"]:
            data["meeting_held"] = _TRI_VALUE[c["meeting_held"]]
        if pupil:
            data["pupil"] = pupil
        for form in self.tests.forms:
            t = form.cleaned_data
            if not t or t.get("DELETE") or not form.has_changed() and not form.initial:
                continue
            metric = {"kind": t["metric"]}
            if t["window"]:
                metric["window"] = {"kind": t["window"]}
                if t["n"] is not None:
                    metric["window"]["n"] = t["n"]
            codes = [c.strip().upper() for c in t["codes"].replace(",", " ").split() if c.strip()]
            if codes:
                metric["codes"] = codes
            if t["key"]:
                metric["key"] = t["key"]
            if t["rearm"]:
                metric["rearm"] = True
            data["any_of" if t["group"] == "any" else "tests"].append(
                {"metric": metric, "op": t["op"], "value": t["value"].strip()}
            )
        for form in self.actions.forms:
            a = form.cleaned_data
            if not a or a.get("DELETE") or not form.has_changed() and not form.initial:
                continue
            action = {"type": a["type"], "kind": a["kind"]}
            for name in ("role", "to", "note"):
                if a[name]:
                    action[name] = a[name]
            for name in ("due_days", "weeks"):
                if a[name] is not None:
                    action[name] = a[name]
            data["actions"].append(action)
        return data


_METRIC_LABEL = {k: v.split(" (")[0] for k, v in _METRIC_WORDS.items()}
# The ladder's checks are written for files (presets); the editor says the same in the
# form's own words, naming the box to change.
_PLAIN = [
    (
        r"metric (\w+) needs a window",
        lambda m: f"{_METRIC_LABEL[m[1]]} needs a period: choose one in “Over”.",
    ),
    (
        r"metric (\w+) takes no window",
        lambda m: f"{_METRIC_LABEL[m[1]]} is not over a period: choose “—” in “Over”.",
    ),
    (
        r"metric (\w+) needs codes",
        lambda m: f"{_METRIC_LABEL[m[1]]} needs register codes, e.g. G N O U.",
    ),
    (
        r"metric (\w+) takes no codes",
        lambda m: f"{_METRIC_LABEL[m[1]]} takes no register codes: empty “Codes”.",
    ),
    (r"window (\w+) needs n", lambda m: f"“{_WINDOW_WORDS.get(m[1], m[1])}” needs N."),
    (
        r"block_end needs weeks",
        lambda m: "“End of each block of weeks” needs the block length in school weeks.",
    ),
    (
        r"rearm applies only to unauthorised sessions",
        lambda m: "“Only after the last notice” goes only with unauthorised sessions.",
    ),
    (r"a percentage must be from 0 to 100", lambda m: "A percentage is a number from 0 to 100."),
]


def plain(messages: list[str]) -> list[str]:
    """The ladder's messages ("rule BS-25: metric unauthorised takes no codes") in the
    editor's words; a message with no plain version is kept without its prefix."""
    out = []
    for message in messages:
        text = message.split(": ", 1)[-1]
        for pattern, say in _PLAIN:
            if found := re.fullmatch(pattern, text):
                with contextlib.suppress(KeyError):  # a kind with no words: keep the text
                    text = say(found)
                break
        out.append(text[:1].upper() + text[1:])
    return out
