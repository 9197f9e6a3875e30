from django.apps import AppConfig


class RegistersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registers"
    verbose_name = "Registers"

    def ready(self):
        # Sign-in attempts go to the access log, and start the idle clock (auth signals);
        # the outbox's beat task lives beside the outbox, not in a tasks module; the
        # system checks refuse a school page or API view that declares no roles; every
        # PostgreSQL connection sends the selected schools for row-level security.
        from . import access, checks, outbox, rls, security  # noqa: F401
