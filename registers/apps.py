from django.apps import AppConfig


class RegistersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registers"
    verbose_name = "Registers"

    def ready(self):
        # The outbox's beat task lives beside the outbox, not in a tasks module.
        from . import outbox  # noqa: F401
