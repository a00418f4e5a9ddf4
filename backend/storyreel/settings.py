"""Django settings for StoryReel.

Everything that differs between machines, checkouts or test runs comes from environment variables with safe local
defaults:

- ``STORYREEL_DB_PATH``: SQLite database file (default ``backend/db.sqlite3``).
- ``STORYREEL_MEDIA_ROOT``: user files and renders (default ``<repo>/media``).
- ``STORYREEL_FRONTEND_ORIGIN``: the web app's origin allowed by CORS (default ``http://localhost:3000`` and
  ``http://127.0.0.1:3000``).
- ``STORYREEL_API_TOKEN``: when set, every ``/api/`` request except ``/api/health/`` needs
  ``Authorization: Bearer <token>`` (see :mod:`api.middleware`).
- ``STORYREEL_ALLOWED_HOSTS``: extra host names the API answers to (comma-separated), for a non-loopback bind.
- ``STORYREEL_MAX_UPLOAD_MB``: largest multipart upload (default 200 MB).
- ``STORYREEL_MIN_FREE_DISK_MB``: free disk space a render needs beyond its own estimate (default 500 MB).
- ``STORYREEL_SECRET_KEY``, ``STORYREEL_DEBUG``.
- ``STORYREEL_TASK_BACKEND``: ``embedded`` (default: a worker thread in the API process) or ``celery``.
- ``STORYREEL_DATABASE_URL``: a database URL (e.g. ``postgresql://user@127.0.0.1:5432/storyreel``) replacing the
  SQLite file; the distributed setup needs one database every machine reaches (DESIGN §8).
- ``STORYREEL_BROKER_URL``: Celery's Redis broker and result backend (default ``redis://127.0.0.1:6379/0``).
- ``STORYREEL_VISIBILITY_TIMEOUT``: seconds before Redis hands an unacknowledged task (its worker died) to another
  worker (default 7200, well above the longest render); ``STORYREEL_UNACKED_RESTORE_INTERVAL``: how often, in
  seconds, workers look for such tasks (default 10).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent

SECRET_KEY = os.environ.get("STORYREEL_SECRET_KEY", "storyreel-local-only-not-secret")
DEBUG = os.environ.get("STORYREEL_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"] + [
    h.strip() for h in os.environ.get("STORYREEL_ALLOWED_HOSTS", "").split(",") if h.strip()
]
STORYREEL_API_TOKEN = os.environ.get("STORYREEL_API_TOKEN", "").strip()

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "api.apps.ApiConfig",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.CrossSiteGuardMiddleware",
    "api.middleware.ApiTokenMiddleware",
    "api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "storyreel.urls"
WSGI_APPLICATION = "storyreel.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("STORYREEL_DB_PATH", str(BASE_DIR / "db.sqlite3")),
        # The render worker thread and request threads write concurrently: wait for the lock instead of failing.
        # Write-ahead logging: readers (the status polls) never wait for a writer (the render's progress updates).
        # In the default rollback journal a reader that meets a commit backs off in SQLite's busy-handler steps
        # (1, 2, 5, 10 … 100 ms), which is what made the status poll's p99 reach 80+ ms during a render.
        # synchronous=NORMAL is SQLite's recommended pairing with WAL (durable across application crashes).
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Tests use a database file (not SQLite's shared-cache memory database, whose table locks ignore the busy
        # timeout), so the render worker and concurrent requests lock and wait exactly as in production.
        "TEST": {
            "NAME": os.environ.get("STORYREEL_TEST_DB_PATH")
            or os.path.join(tempfile.gettempdir(), f"storyreel-test-{os.getpid()}.sqlite3")
        },
    }
}

if os.environ.get("STORYREEL_DATABASE_URL"):
    import dj_database_url

    DATABASES["default"] = dict(dj_database_url.parse(os.environ["STORYREEL_DATABASE_URL"], conn_max_age=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- background jobs (DESIGN §5, §8) ----------------------------------------------------------------------------------
STORYREEL_TASK_BACKEND = os.environ.get("STORYREEL_TASK_BACKEND", "embedded").strip().lower() or "embedded"
# Under Celery, a render is one task per segment plus a join-and-mux task (0: one task for the whole render).
STORYREEL_RENDER_FANOUT = os.environ.get("STORYREEL_RENDER_FANOUT", "1") != "0"
_broker = os.environ.get("STORYREEL_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = _broker
CELERY_RESULT_BACKEND = _broker
# A task is acknowledged only when it finished, and given back when its worker process dies, so a killed worker
# loses nothing; each worker takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("STORYREEL_VISIBILITY_TIMEOUT", "7200")),
    "unacked_restore_interval": int(os.environ.get("STORYREEL_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
}
# An unreachable broker fails a render request within about two seconds instead of hanging it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Give up on an unreachable result store after about two seconds (Celery's default retries for 20 s).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("STORYREEL_MEDIA_ROOT", str(REPO_DIR / "media"))).resolve()

# Request bodies (README "Limits"): non-file data up to 10 MB (JSON bodies too, see api.middleware), at most 1000
# form fields, multipart uploads up to STORYREEL_MAX_UPLOAD_MB; uploads go to temp files above 2 MB, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
STORYREEL_MAX_UPLOAD_BYTES = int(os.environ.get("STORYREEL_MAX_UPLOAD_MB", "200")) * 1024 * 1024
STORYREEL_MIN_FREE_DISK_BYTES = int(os.environ.get("STORYREEL_MIN_FREE_DISK_MB", "500")) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

_frontend = os.environ.get("STORYREEL_FRONTEND_ORIGIN")
CORS_ALLOWED_ORIGINS = (
    [o.strip() for o in _frontend.split(",") if o.strip()]
    if _frontend
    else ["http://localhost:3000", "http://127.0.0.1:3000"]
)

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "api.exceptions.storyreel_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.StoryReelAutoSchema",
}

# The OpenAPI 3 schema served at /api/schema/ (drf-spectacular): the reference for every request and response shape;
# the web app's TypeScript API types are generated from it (frontend `npm run gen:api`).
SPECTACULAR_SETTINGS = {
    "TITLE": "StoryReel API",
    "DESCRIPTION": "Turn a written story into a narrated Ken Burns video. Human overview: docs/api.md.",
    "VERSION": "1.0.0",
    # 3.1: nullable fields are JSON Schema type unions, so real responses validate with plain jsonschema (tests).
    "OAS_VERSION": "3.1.0",
    # Request bodies get their own components (e.g. SegmentRequest), so read-only fields are not required there.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatus": "api.models.ProjectStatus",
        "TaskState": "api.schema.TASK_STATES",
        "ImportFormat": ["json", "text"],
        "TransitionKind": "core_engine.render.shots.TRANSITION_KINDS",
    },
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "api": {"handlers": ["console"], "level": "INFO"},
        "core_engine": {"handlers": ["console"], "level": "INFO"},
    },
}
