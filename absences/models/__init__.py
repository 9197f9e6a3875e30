"""Models of the absences app: one module per area (each engineer adds one import line)."""

from .reports import AbsenceReport  # noqa: F401
