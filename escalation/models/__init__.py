"""Models of the escalation app: one module per area (each engineer adds one import line)."""
