"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depok_kds.settings")

app = Celery("depok_kds")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every worker takes over jobs whose worker died (named, not imported: it needs Django).
app.steps["consumer"].add("depok_kds.worker:JobTakeover")
