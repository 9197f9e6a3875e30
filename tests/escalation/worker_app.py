"""The project's Celery app for the worker that tests/escalation/test_run_worker.py starts
and kills: a short Redis visibility timeout, so the task the killed worker held is
handed to the next worker within seconds rather than the default hour."""

from attendance_mis.celery import app

app.conf.broker_transport_options = {"visibility_timeout": 3}
app.conf.task_always_eager = False
