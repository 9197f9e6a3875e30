import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_mis.settings")

app = Celery("attendance_mis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
