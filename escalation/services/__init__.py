"""Writes of the escalation app: one module per area (HackSoft services)."""
