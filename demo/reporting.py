"""Demo data of the reporting app (demo/extras.py)."""


def add(ctx) -> dict[str, int]:
    return {}
