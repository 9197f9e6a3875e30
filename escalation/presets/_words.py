"""Short builders for preset data, in the words of policies/RULES.md §0 (`att%[ytd] <= 90`
is `att("ytd", "<=", 90)`). Every builder returns plain JSON-able data in the schema of
`escalation.ladder` (the dicts a school's stored policy holds); nothing here decides
anything."""

from __future__ import annotations

# Every code that is an absence (authorised or unauthorised) in registers/data/
# attendance-codes.csv: "any absence" in BH-10 and LE-16.
ABSENCE_CODES = ["C", "C1", "C2", "E", "I", "J1", "M", "R", "S", "T", "G", "N", "O", "U"]
# The codes of DESIGN §6 `missing_from_school` / `deletion_review` (RULES §0.7).
UNEXPLAINED = ["G", "N", "O"]


def window(kind: str, n: int | None = None) -> dict:
    return {"kind": kind} if n is None else {"kind": kind, "n": n}


def _win(w) -> dict:
    """`"ytd"`, `("weeks", 10)` or a window dict."""
    if isinstance(w, dict):
        return w
    if isinstance(w, tuple):
        return window(*w)
    return window(w)


def test(metric: dict, op: str, value) -> dict:
    return {"metric": metric, "op": op, "value": str(value) if isinstance(value, float) else value}


def att(w, op: str, value) -> dict:
    """`att%[w] op value` (RULES §0: attended / possible, exact)."""
    return test({"kind": "attendance_pct", "window": _win(w)}, op, value)


def pa(w) -> dict:
    """`PA[w]`: absence % >= 10 (DESIGN §6), i.e. `att% <= 90`."""
    return test({"kind": "absence_pct", "window": _win(w)}, ">=", 10)


def not_pa(w) -> dict:
    return test({"kind": "absence_pct", "window": _win(w)}, "<", 10)


def severe(w) -> dict:
    """`severe[w]`: absence % >= 50."""
    return test({"kind": "absence_pct", "window": _win(w)}, ">=", 50)


def unauth(w, op: str, value, *, rearm: bool = False) -> dict:
    """`unauth[w]`: sessions coded G, N, O, U; `rearm` counts only those after the last
    warning or notice (RULES §0.4)."""
    metric = {"kind": "unauthorised", "window": _win(w)}
    if rearm:
        metric["rearm"] = True
    return test(metric, op, value)


def lates(w, op: str, value) -> dict:
    """`lates[w]`: sessions coded L (never U)."""
    return test({"kind": "lates", "window": _win(w)}, op, value)


def sessions(codes: list[str], w, op: str, value) -> dict:
    return test({"kind": "sessions", "codes": list(codes), "window": _win(w)}, op, value)


def consec(codes: list[str], op: str, value) -> dict:
    """`consec_days(codes)`: school days in a row on which every session has one of them."""
    return test({"kind": "consecutive_days", "codes": list(codes)}, op, value)


def indicator(key: str) -> dict:
    """A DESIGN §6 indicator holds."""
    return test({"kind": "indicator", "key": key}, ">=", 1)


def possible(w, op: str, value) -> dict:
    return test({"kind": "possible", "window": _win(w)}, op, value)


def n_overdue() -> dict:
    """An N older than 5 school days (DESIGN §5; RULES §0.7): an N this year outside the
    last 5 school days, still N."""
    return sessions(["N"], ("older_than_days", 5), ">=", 1)


# ---- Actions ------------------------------------------------------------------------


def letter(kind: str) -> dict:
    return {"type": "letter", "kind": kind}


def task(kind: str, role: str = "", *, to: str = "", due: int | None = None, note: str = ""):
    action = {"type": "task", "kind": kind}
    if role:
        action["role"] = role
    if to:
        action["to"] = to
    if due is not None:
        action["due_days"] = due
    if note:
        action["note"] = note
    return action


def legal(kind: str, **extra) -> dict:
    return {"type": "legal", "kind": kind, **extra}


def report(kind: str) -> dict:
    return {"type": "report", "kind": kind}


# ---- Calendar points ------------------------------------------------------------------

NIGHTLY = {"point": "nightly"}
HT_END = {"point": "HT_end"}
TERM_END = {"point": "term_end"}
REVIEW2 = {"point": "review2"}


def block_end(weeks: int = 6) -> dict:
    return {"point": "block_end", "weeks": weeks}


# ---- Rules several presets share ------------------------------------------------------
# Each builder is one rule as every preset that has it states it; its arguments are
# exactly what the presets vary: the id, and the title, role, calendar point or test
# where a policy words the rule its own way. Everything else is fixed here.

OPEN_STAGES = ["stage_1", "stage_2", "stage_3"]


def unresolved_n(id: str) -> dict:
    """An N older than 5 school days goes to the office (DESIGN §5; RULES §0.7)."""
    return {
        "id": id,
        "title": "An N still unresolved after 5 school days",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [n_overdue()],
        "once": "open_task",
        "actions": [task("review", "office", due=1, note="find the reason or code the N as O")],
        "approval": False,
    }


def _indicator_report(id: str, title: str, key: str, once: str, approver: str) -> dict:
    """A DESIGN §6 indicator first holds (in an episode or a year): report it to the LA."""
    return {
        "id": id,
        "title": title,
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [indicator(key)],
        "once": once,
        "actions": [report(key)],
        "approver": approver,
    }


def missing_from_school(
    id: str,
    title: str = "Missing from school: 10 school days unexplained",
    approver: str = "attendance_lead",
) -> dict:
    """The `missing_from_school` indicator: report it to the LA (DESIGN §6; RULES §0.7)."""
    return _indicator_report(id, title, "missing_from_school", "episode", approver)


def long_illness(id: str, approver: str = "attendance_lead") -> dict:
    """The `long_illness` indicator: report it to the LA (DESIGN §6; RULES §0.7)."""
    title = "Long illness: 30 sessions of illness this year"
    return _indicator_report(id, title, "long_illness", "year", approver)


def deletion_review(id: str, note: str = "deletion from roll, after enquiries") -> dict:
    """The `deletion_review` indicator: a review task, never a deletion (DESIGN §6;
    RULES §0.7)."""
    return {
        "id": id,
        "title": "20 school days unexplained: review for deletion from roll",
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [indicator("deletion_review")],
        "once": "episode",
        "actions": [task("review", "attendance_lead", due=5, note=note)],
        "approval": False,
    }


def part_time_timetable(id: str, title: str) -> dict:
    """A session coded C2 (part-time timetable): report it to the LA, once a year."""
    return {
        "id": id,
        "title": title,
        "track": "welfare",
        "type": "event",
        "when": NIGHTLY,
        "tests": [sessions(["C2"], ("days", 1), ">=", 1)],
        "once": "year",
        "actions": [report("part_time_timetable")],
        "approver": "attendance_lead",
    }


def national_penalty_threshold(id: str, title: str) -> dict:
    """The national penalty-notice threshold: 10 unauthorised sessions in 10 school weeks,
    counted afresh after each warning or notice (RULES §0.4), only for a pupil of
    compulsory school age (RULES §0.5)."""
    return {
        "id": id,
        "title": title,
        "track": "legal",
        "type": "open",
        "to_stage": "penalty_notice",
        "when": NIGHTLY,
        "tests": [unauth(("weeks", 10), ">=", 10, rearm=True)],
        "pupil": {"compulsory_age": True},
        "actions": [legal("penalty_notice")],
        "approver": "headteacher",
    }


def stage_1_letter(id: str, title: str, when: dict, test: dict, approver: str) -> dict:
    """The first rung of the attendance ladder: the stage one letter (RULES §0.1-0.2)."""
    return {
        "id": id,
        "title": title,
        "track": "attendance",
        "type": "open",
        "to_stage": "stage_1",
        "when": when,
        "tests": [test],
        "min_possible": 20,
        "actions": [letter("stage_1")],
        "approver": approver,
    }


def improvement_letter(id: str, title: str, when: dict, test: dict, approver: str) -> dict:
    """An open attendance case whose condition no longer holds: a letter, and the track
    back to none (RULES §0.2)."""
    return {
        "id": id,
        "title": title,
        "track": "attendance",
        "type": "improve",
        "from_stages": OPEN_STAGES,
        "when": when,
        "tests": [test],
        "min_possible": 20,
        "actions": [letter("improvement")],
        "approver": approver,
    }


def certificate_100(id: str, title: str, when: dict, w) -> dict:
    """100% attendance over the window `w`: a certificate, sent without approval."""
    return {
        "id": id,
        "title": title,
        "track": "welfare",
        "type": "event",
        "when": when,
        "tests": [att(w, "==", 100)],
        "min_possible": 1,
        "actions": [letter("certificate_100")],
        "approval": False,
    }
