"""The Celery application of the distributed backend (``STORYREEL_TASK_BACKEND=celery``, DESIGN §8).

Configuration comes from Django settings (``CELERY_*``: Redis broker and result backend from
``STORYREEL_BROKER_URL``, late acknowledgement, reject on worker loss, prefetch 1, visibility timeout). Start a
worker from ``backend/`` with ``celery -A storyreel.celery worker --concurrency=1`` (``npm run worker``).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyreel.settings")

app = Celery("storyreel", include=["api.celery_tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
