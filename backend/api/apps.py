"""App config for the StoryReel API."""

from __future__ import annotations

import logging
import os
import sys

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ApiConfig(AppConfig):
    """Registers the API app and, when a server process starts, recovers renders a stopped server left behind."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_started

        # Recovery runs once, on the first request a serving process handles (the database is certainly migrated by
        # then, and management commands such as `migrate` never trigger it).
        def _recover(sender, **kwargs):
            request_started.disconnect(_recover, dispatch_uid="storyreel-recover")
            from api.tasks import recover_interrupted_renders

            recover_interrupted_renders()

        if _is_server_process():
            request_started.connect(_recover, dispatch_uid="storyreel-recover", weak=False)


def _is_server_process() -> bool:
    """True in a process that serves HTTP (runserver, a WSGI/ASGI server), False in tests and other commands."""
    if os.environ.get("STORYREEL_NO_RECOVERY") == "1":
        return False
    argv = " ".join(sys.argv)
    return not ("pytest" in argv or ("manage.py" in argv and "runserver" not in argv))
