"""App config for the StoryReel API."""

from __future__ import annotations

import logging
import os
import sys
import threading

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ApiConfig(AppConfig):
    """Registers the API app and, when a server process starts, recovers renders a stopped server left behind."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_started

        # Recovery (api.tasks.recover_interrupted_renders: the embedded backend queues interrupted jobs again) runs
        # once per serving process: two seconds after start-up, or on the first request if that comes first (or if
        # the database was not ready yet). Management commands such as `migrate`, tests and workers never run it.
        done = threading.Lock()

        def _recover(sender: object = None, **kwargs: object) -> None:
            if not done.acquire(blocking=False):
                return
            request_started.disconnect(_recover, dispatch_uid="storyreel-recover")
            from django.db import connection

            from api.tasks import recover_interrupted_renders

            try:
                recover_interrupted_renders()
            except Exception as exc:  # e.g. not migrated yet: the first request tries again
                logger.warning("start-up recovery postponed: %s", exc)
                done.release()
                request_started.connect(_recover, dispatch_uid="storyreel-recover", weak=False)
            finally:
                if sender is None:
                    connection.close()

        if _is_server_process():
            request_started.connect(_recover, dispatch_uid="storyreel-recover", weak=False)
            timer = threading.Timer(2.0, _recover)
            timer.daemon = True
            timer.start()


def _is_server_process() -> bool:
    """True in a process that serves HTTP (runserver's serving process, a WSGI/ASGI server); False in tests, other
    commands, Celery workers and runserver's autoreloader parent."""
    if os.environ.get("STORYREEL_NO_RECOVERY") == "1":
        return False
    argv = " ".join(sys.argv)
    if "pytest" in argv or "celery" in argv or ("manage.py" in argv and "runserver" not in argv):
        return False
    # runserver's autoreloader parent does not serve (its child, with RUN_MAIN=true, does)
    return not ("runserver" in argv and "--noreload" not in argv and os.environ.get("RUN_MAIN") != "true")
