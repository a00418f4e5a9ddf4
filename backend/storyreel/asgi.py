"""ASGI entry point for StoryReel."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyreel.settings")
application = get_asgi_application()
