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
