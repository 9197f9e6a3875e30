"""Demo data of the escalation app (demo/extras.py)."""


def add(ctx) -> dict[str, int]:
    return {}
