"""A rule of a ladder as one plain-English sentence (`describe`), for the policy page and
the presets' documents: "At the end of each 6-week block, when attendance over the block
is above 90% and below 94%: move the attendance track to stage 1 and draft the amber
letter for the headteacher to approve". Imported as `escalation.ladder.describe`."""

from __future__ import annotations

import calendar
from decimal import Decimal

from .ladder import OPS, WINDOW_KINDS, Action, Rule, Test, When, Window

# ---- Plain English ---------------------------------------------------------------------

_STAGE_WORDS = {
    "none": "no stage",
    "stage_1": "stage 1",
    "stage_2": "stage 2",
    "stage_3": "stage 3",
    "warning": "a warning",
    "notice_to_improve": "a notice to improve",
    "penalty_notice": "a penalty notice",
    "alternative_action": "alternative action",
}
_INDICATOR_WORDS = {
    "persistent_absence": "the pupil is persistently absent (absence of 10% or more this year)",
    "severe_absence": "the pupil is severely absent (absence of 50% or more this year)",
    "penalty_threshold": "the pupil has 10 or more unauthorised sessions in the last 10 "
    "school weeks",
    "missing_from_school": "every session of the last 10 school days is an unexplained or "
    "unauthorised absence",
    "deletion_review": "every session of the last 20 school days is an unexplained or "
    "unauthorised absence",
    "long_illness": "the pupil has 30 or more sessions of illness this year",
}
_ROLE_WORDS = {
    "office": "the office",
    "attendance_officer": "the attendance officer",
    "attendance_lead": "the attendance lead",
    "headteacher": "the headteacher",
    "school_admin": "the school administrator",
}
_TASK_WORDS = {
    "call": "a phone call",
    "meeting": "a meeting",
    "home_visit": "a home visit",
    "referral": "a referral",
    "review": "a review",
    "evidence_request": "a request for evidence",
}
_TO_WORDS = {
    "la": "the local authority",
    "tas": "the Team Around the School",
    "school_nurse": "the school nursing team",
    "social_care": "children's social care",
    "early_help": "early help",
    "sick_children_service": "the education of sick children service",
}
_MONTHS = list(calendar.month_name)[1:]
_TERMS = {1: "autumn", 2: "spring", 3: "summer"}


def _number(value: str) -> str:
    return f"{Decimal(value).normalize():f}"


_LETTER_WORDS = {
    "traffic_yellow": "yellow",
    "traffic_amber": "amber",
    "traffic_red": "red",
    "lateness_1": "first lateness",
    "lateness_2": "second lateness",
    "certificate_100": "100% certificate",
    "improvement": "congratulation",
}


def _window_words(window: Window | None) -> str:
    if window is None:
        return ""
    text = WINDOW_KINDS[window.kind][1].format(n=window.n)
    if window.kind == "since_stage" and window.n:
        text = f"the first {window.n} school days of the current stage"
    if window.kind == "since_stage" and window.track:
        text = text.replace("the current stage", f"the {window.track} stage")
    return text


def _test_words(test: Test) -> str:
    m = test.metric
    op = OPS[test.op]
    n = _number(test.value)
    over = _window_words(m.window)
    if m.kind == "indicator":
        held = test.holds(1)
        sentence = _INDICATOR_WORDS[m.key]
        return sentence if held else f"it is not the case that {sentence}"
    if m.kind in ("attendance_pct", "absence_pct"):
        what = "attendance" if m.kind == "attendance_pct" else "absence"
        return f"{what} over {over} is {op} {n}%"
    if m.kind == "consecutive_days":
        count = {
            ">=": "at least",
            ">": "more than",
            "<=": "at most",
            "<": "fewer than",
            "==": "exactly",
        }[test.op]
        days = "school day" if n == "1" else "school days"
        return f"the pupil has been absent ({'/'.join(m.codes)}) for {count} {n} {days} in a row"
    what = {
        "possible": "possible sessions",
        "sessions": f"sessions coded {'/'.join(m.codes)}",
        "unauthorised": "unauthorised sessions (G/N/O/U)",
        "lates": "late arrivals (L)",
        "refused_leave_taken": "sessions of refused leave taken",
    }[m.kind]
    rearm = " (counting only sessions after the last warning or notice)" if m.rearm else ""
    return f"{what} in {over}{rearm} are {op} {n}"


def _at_its_end(text: str, when: When) -> str:
    """ "the current block of 6 school weeks" reads "the block" in a rule run at the end
    of each 6-week block."""
    if when.point == "block_end" and when.weeks:
        return text.replace(f"the current block of {when.weeks} school weeks", "the block")
    return text


def _band_words(tests) -> list[str]:
    """Tests in words; two tests of one figure read as a band ("above 90% and below 94%")."""
    words, i = [], 0
    tests = list(tests)
    while i < len(tests):
        test = tests[i]
        nxt = tests[i + 1] if i + 1 < len(tests) else None
        if nxt is not None and nxt.metric == test.metric and test.metric.kind != "indicator":
            second = _test_words(nxt)
            first = _test_words(test)
            # "attendance over X is above 90%" + "below 94%": keep the tail of the second.
            tail = (
                second.rsplit(" is ", 1)[-1] if " is " in second else second.rsplit(" are ", 1)[-1]
            )
            words.append(f"{first} and {tail}")
            i += 2
            continue
        words.append(_test_words(test))
        i += 1
    return words


def _when_words(when: When) -> str:
    if when.point == "nightly":
        return "Each school day"
    if when.point == "HT_end":
        return "At the end of each half term"
    if when.point == "term_end":
        return "At the end of each term"
    if when.point == "block_end":
        return f"At the end of each {when.weeks}-week block"
    if when.point == "review2":
        return "On the first school day of the second week after each break"
    if when.point == "year_start":
        return "On the first school day of the academic year"
    if when.point == "term_start":
        terms = " and ".join(_TERMS[t] for t in when.terms) if when.terms else "each"
        return f"On the first school day of the {terms} term"
    months = " and ".join(_MONTHS[m - 1] for m in when.months)
    return f"On the last school day of {months}"


def _action_words(action: Action, rule: Rule) -> str:
    if action.type == "letter":
        kind = _LETTER_WORDS.get(action.kind, action.kind.replace("_", " "))
        if rule.approval:
            who = _ROLE_WORDS.get(rule.approver, "a member of staff")
            return f"draft the {kind} letter for {who} to approve"
        return f"send the {kind} letter"
    if action.type == "task":
        text = _TASK_WORDS[action.kind]
        if action.to:
            text += f" to {_TO_WORDS[action.to]}"
        if action.note:
            text += f" ({action.note})"
        who = _ROLE_WORDS.get(action.role, "the attendance team")
        due = ""
        if action.due_days is not None:
            days = "school day" if action.due_days == 1 else "school days"
            due = " today" if action.due_days == 0 else f" within {action.due_days} {days}"
        return f"ask {who} for {text}{due}"
    if action.type == "legal":
        words = {
            "penalty_notice": "propose a penalty notice (£80, or £160 for a second within 3 years;"
            " alternative action after two)",
            "notice_to_improve": "propose a notice to improve"
            + (f" with a {action.weeks}-week improvement period" if action.weeks else ""),
            "alternative_action": "propose alternative action (parenting order, education "
            "supervision order or prosecution)",
        }[action.kind]
        return words
    return f"report to the local authority ({action.kind.replace('_', ' ')})"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(rule: Rule) -> str:
    """The rule as one plain-English sentence, e.g. "At the end of each 6-week block, when
    attendance over the current block of 6 school weeks is above 90% and below 94%: move
    the attendance track to stage 1 and draft the traffic amber letter for the
    headteacher to approve"."""
    conditions = [_at_its_end(c, rule.when) for c in _band_words(rule.tests)]
    if rule.any_of:
        conditions.append("either " + " or ".join(_test_words(t) for t in rule.any_of))
    pupil = rule.pupil
    if pupil.compulsory_age is not None:
        conditions.append(
            "the pupil is of compulsory school age"
            if pupil.compulsory_age
            else "the pupil is below compulsory school age"
        )
    for name, words in (
        ("sen", "has special educational needs"),
        ("looked_after", "is looked after"),
        ("vulnerable", "is vulnerable"),
    ):
        value = getattr(pupil, name)
        if value is not None:
            conditions.append(
                f"the pupil {'' if value else 'no longer '}{words}".replace(
                    "no longer has", "has no"
                ).replace("no longer is", "is not")
            )
    if pupil.open_track:
        conditions.append(f"the pupil has an open {pupil.open_track} case")
    for track, stages in pupil.track_stages:
        words = " or ".join(_STAGE_WORDS[s] for s in stages)
        conditions.append(f"the {track} track is at {words}")
    if rule.from_stages:
        stages = " or ".join(_STAGE_WORDS[s] for s in rule.from_stages)
        conditions.insert(0, f"the {rule.track} track is at {stages}")
    if rule.min_gap_school_days:
        conditions.append(f"at least {rule.min_gap_school_days} school days have passed since then")
    if rule.opened_by:
        conditions.append(
            "the case has been open since the start of the "
            + rule.opened_by.replace("_start", "").replace("_", " ")
        )
    if rule.meeting_held:
        conditions.append("a meeting has been held since the stage began")
    doing = []
    if rule.type == "improve":
        doing.append(f"close the {rule.track} case")
    elif rule.to_stage and rule.track != "welfare":
        doing.append(f"move the {rule.track} track to {_STAGE_WORDS[rule.to_stage]}")
    doing += [_action_words(a, rule) for a in rule.actions]
    once = {
        "year": " (once a year)",
        "term": " (once a term)",
        "episode": " (once each time it happens)",
        "open_task": " (not while the last such task is open)",
    }.get(rule.once, "")
    sentence = f"{_when_words(rule.when)}, when {_join(conditions)}: {_join(doing) or 'do nothing'}"
    if not rule.enabled:
        sentence += " [switched off]"
    return sentence + once
