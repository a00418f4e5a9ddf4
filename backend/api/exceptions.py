"""Error responses: every 4xx carries a one-line ``error`` summary next to DRF's field errors, and nothing unexpected
ever reaches the client as a traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """409: the request conflicts with the current state (locked segment, render running)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class RenderRefused(APIException):
    """Base of the reasons :func:`api.tasks.start_render` does not start a render; ``detail`` is the exact response
    body (a dict with an ``error`` key, kept as is by :func:`storyreel_exception_handler`) and ``message`` the
    sentence for a terminal (the CLI)."""

    def __init__(self, body: dict[str, Any], message: str) -> None:
        super().__init__()
        self.detail = body  # set as is: DRF would turn ids and numbers into ErrorDetail strings
        self.message = message

    def __str__(self) -> str:
        return self.message


class RenderNotReady(RenderRefused):
    """400: segments lack an image or narration; body ``{error, missing_images: [ids], missing_audio: [ids],
    message}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "not_ready"

    def __init__(self, missing_images: list[str], missing_audio: list[str], message: str) -> None:
        body = {
            "error": "The project is not ready to render.",
            "missing_images": list(missing_images),
            "missing_audio": list(missing_audio),
            "message": message,
        }
        super().__init__(body, message)


class RenderAlreadyRunning(RenderRefused):
    """409: a render of this project is queued or running; body ``{error, project_id, status: "PROCESSING"}``."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "processing"

    def __init__(self, project_id: str) -> None:
        message = "This project is already being rendered."
        super().__init__({"error": message, "project_id": project_id, "status": "PROCESSING"}, message)


class FFmpegMissing(RenderRefused):
    """500: the ffmpeg binary is not installed; body ``{error}``."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "no_ffmpeg"

    def __init__(self) -> None:
        message = (
            "ffmpeg is required to render video but was not found; reinstall imageio-ffmpeg "
            "(pip install -r requirements.txt)."
        )
        super().__init__({"error": message}, message)


def _first_message(detail: Any, prefix: str = "") -> str:
    """The first human-readable message in a DRF error structure, prefixed with its field path."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("error", "non_field_errors", "detail"):
                return _first_message(value, prefix)
            # Nested fields read "segment_ids.3: ..." (the prefix always ends with ": ").
            return _first_message(value, f"{prefix[:-2]}.{key}: " if prefix else f"{key}: ")
        return prefix.rstrip(": .") or "Invalid request"
    if isinstance(detail, (list, tuple)):
        return _first_message(detail[0], prefix) if detail else prefix.rstrip(": ")
    return f"{prefix}{detail}"


def storyreel_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler plus an ``error`` summary on every client error.

    A 400 looks like ``{"error": "image_file: the file is empty", "image_file": ["the file is empty"]}``; other
    4xx look like ``{"error": "...", "detail": "..."}``. Exceptions DRF does not know become a 500 with a short
    message (the traceback goes to the log only).
    """
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, (SuspiciousOperation, RequestDataTooBig)):
        return _refused_request(exc)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response({"error": "Internal error; see the server log."}, status=500)
    data = response.data
    if isinstance(exc, ValidationError):
        if isinstance(data, list):
            data = {"non_field_errors": data}
        if "error" not in data:
            data = {"error": _first_message(data), **data}
    elif isinstance(data, dict) and "error" not in data:
        data = {"error": str(data.get("detail", "Request failed")), **data}
    response.data = data
    return response


def _refused_request(exc: Exception) -> Response:
    """400/413 for the request limits Django enforces while parsing (field count, file count, body size)."""
    if isinstance(exc, TooManyFieldsSent):
        message, code = f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.", 400
    elif isinstance(exc, TooManyFilesSent):
        message, code = f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.", 400
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1e6
        message, code = f"The request body is larger than {limit:.0f} MB.", 413
    else:
        message, code = "The request was refused as malformed.", 400
    return Response({"error": message, "detail": message}, status=code)


class InsufficientDiskSpace(RenderRefused):
    """507: the disk holding MEDIA_ROOT has too little free space for the render; body ``{error}`` saying how much
    is free and how much is needed."""

    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    default_code = "insufficient_storage"

    def __init__(self, message: str) -> None:
        super().__init__({"error": message}, message)


class RenderQueueUnavailable(RenderRefused):
    """503: the render could not be queued (the Celery broker is unreachable); body ``{error}``. The project stays
    as it was."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE

    def __init__(self, reason: str) -> None:
        message = f"The render could not be queued: the task queue is unreachable ({reason}). Try again shortly."
        super().__init__({"error": message}, message)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404``: a URL no route matches (e.g. ``/api/projects/not-an-id/``) answers like the API's own 404s,
    ``{error, detail}`` as JSON, instead of Django's HTML page (the schema documents JSON for every 404)."""
    message = "Not found."
    return JsonResponse({"error": message, "detail": message}, status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: an error outside DRF's views (middleware, URL resolution) answers ``{error}`` as JSON; the
    traceback goes to the server log only."""
    return JsonResponse({"error": "Internal error; see the server log."}, status=500)
