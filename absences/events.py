"""Events of the absences app (DESIGN.md §2): one TextChoices of kinds per area, each
decorated `@register_kinds`, with its writers beside it; the pupil timeline reads them."""
