"""The five policy presets (DESIGN.md §7, policies/RULES.md §1 and §4), as data.

    PRESETS                  # the names a school's `policy_preset` may hold
    data("blue-sky")         # the ladder as plain dicts (a fresh copy: safe to edit/store)
    load("blue-sky")         # the ladder as validated `escalation.ladder.Rule`s
    settings("blue-sky")     # the preset's other numbers ({"issuer": "school", ...})

Each preset is one module of data (`blue_sky.py` …) and one document (`blue-sky.md`)
mapping every clause of its policy to its rules, by RULES.md id, and naming the clauses
that are not rules and why. Unknown names raise `KeyError`.
"""

from __future__ import annotations

import copy
from importlib import import_module

PRESETS = ["blue-sky", "burton-hathow", "dsat", "banks-lane", "leeds"]

# preset name -> module of this package
_MODULES = {name: name.replace("-", "_") for name in PRESETS}
# preset name -> the RULES.md id prefix of its rules
PREFIXES = {
    "blue-sky": "BS",
    "burton-hathow": "BH",
    "dsat": "DS",
    "banks-lane": "BL",
    "leeds": "LE",
}


def _module(name: str):
    if name not in _MODULES:
        raise KeyError(f"no preset {name!r}; the presets are {', '.join(PRESETS)}")
    return import_module(f"{__name__}.{_MODULES[name]}")


def data(name: str) -> list[dict]:
    """The preset's rules as plain data (a deep copy)."""
    return copy.deepcopy(_module(name).RULES)


def load(name: str):
    """The preset's rules as `escalation.ladder.Rule`s; raises LadderError if the data
    does not validate (a test checks every preset)."""
    from escalation.ladder import ladder_from_data

    return ladder_from_data(data(name))


def settings(name: str) -> dict:
    """The preset's numbers that are not rules: `issuer` of penalty notices (`school` or
    `la`) and `nti_weeks`, the default improvement period of a notice to improve."""
    return dict(_module(name).SETTINGS)
