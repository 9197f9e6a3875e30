from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"

    def ready(self):
        # The pupil timeline names every kind of event: load each app's `events.py` so
        # its kinds are declared (registers.events.register_kinds) before any page runs.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("events")
