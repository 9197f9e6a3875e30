"""Writes of the absences app: one module per area (HackSoft services)."""
