"""Plain-text rendering of decisions, shared by run_escalation and simulate_policy."""

from __future__ import annotations


def action_text(action: dict) -> str:
    kind = action["kind"].replace("_", " ")
    if action["type"] == "letter":
        hold = " (to approve)" if action.get("approval") else ""
        return f"letter {kind}{hold}"
    if action["type"] == "task":
        who = f" for {action['role'].replace('_', ' ')}" if action.get("role") else ""
        to = f" to {action['to']}" if action.get("to") else ""
        due = f" due {action['due']}" if action.get("due") else ""
        return f"task {kind}{to}{who}{due}"
    if action["type"] == "report":
        return f"report {kind} to the LA"
    if action["kind"] == "penalty_notice":
        return (
            f"penalty notice {action['notice_number']} £{action['amount_gbp']} to parent "
            f"{action['parent']} (issuer {action['issuer']})"
        )
    parent = f" (parent {action['parent']})" if action.get("parent") is not None else ""
    return f"{kind}{parent}"


def decision_text(d: dict) -> str:
    if d["from_stage"] is None:
        move = "welfare"
    elif d["from_stage"] == d["to_stage"]:
        move = f"{d['track']} stays at {d['to_stage']}"
    else:
        move = f"{d['track']} {d['from_stage']} -> {d['to_stage']}"
    actions = "; ".join(action_text(a) for a in d["actions"]) or "no action"
    return f"{d['upn']}  {d['rule']}  {move}: {actions}"
