from django.apps import AppConfig


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self):
        from django.conf import settings

        # Approved email letters wait for their undo window (letters.approval); beat
        # hands them over. The deadline is in the database, so a minute's tick is enough.
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict):
            schedule.setdefault(
                "letters-send-held-emails",
                {"task": "letters.tasks.send_held_emails", "schedule": 60.0},
            )
