"""Request guards that make the local server safe to leave running (issue 9).

- :class:`CrossSiteGuardMiddleware`: a state-changing request (POST, PUT, PATCH, DELETE) whose ``Origin`` header
  (or, without one, ``Referer``) is not an allowed origin is refused with 403 before any view runs. Requests with
  neither header (curl, the CLI, scripts) pass: a browser always sends ``Origin`` on cross-site POSTs, including
  plain form posts and ``fetch(…, {mode: "no-cors"})``.
- :class:`ApiTokenMiddleware`: when ``settings.STORYREEL_API_TOKEN`` is set, every ``/api/`` request except
  ``/api/health/`` and CORS preflights needs ``Authorization: Bearer <token>`` (401 otherwise).
- :class:`BodySizeLimitMiddleware`: request bodies are refused with 413 from their ``Content-Length`` before they
  are read: multipart uploads above ``STORYREEL_MAX_UPLOAD_BYTES``, any other body above
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (DRF's JSON parser reads the stream directly, so Django's own check does not
  apply to JSON).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL (lower case), or None when it has no http(s) origin (``null``, junk)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed_origins(request: HttpRequest) -> set[str]:
    """The origins allowed to change data: the web app's (``CORS_ALLOWED_ORIGINS``, i.e.
    ``STORYREEL_FRONTEND_ORIGIN``) and the API's own origin."""
    origins = {o for o in (_origin_of(u) for u in settings.CORS_ALLOWED_ORIGINS) if o}
    own = _origin_of(f"{request.scheme}://{request.get_host()}")
    if own:
        origins.add(own)
    return origins


class CrossSiteGuardMiddleware:
    """403 for state-changing requests from another origin (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in UNSAFE_METHODS:
            origin_header = request.headers.get("Origin")
            referer = request.headers.get("Referer")
            claimed = origin_header if origin_header is not None else referer
            if claimed is not None and _origin_of(claimed) not in allowed_origins(request):
                source = "Origin" if origin_header is not None else "Referer"
                message = (
                    f"Cross-site request refused: the {source} header names a site that is not the StoryReel web "
                    "app (set STORYREEL_FRONTEND_ORIGIN to allow another address)."
                )
                return JsonResponse({"error": message, "detail": message}, status=403)
        return self.get_response(request)


def _takes_query_token(path: str) -> bool:
    """Whether ``path`` is a link the web app opens by navigation: a project's download or a job's full log."""
    return path.endswith("/download/") or (path.startswith("/api/jobs/") and path.endswith("/log/"))


class ApiTokenMiddleware:
    """401 for ``/api/`` requests without the configured bearer token (see the module docstring).

    The download endpoint and a job's full log (``/api/jobs/<id>/log/``) also accept ``?access_token=<token>`` on
    GET, because a browser navigation (how the web app downloads the video and opens the log) cannot send an
    ``Authorization`` header.
    """

    OPEN_PATHS = frozenset({"/api/health/"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = getattr(settings, "STORYREEL_API_TOKEN", "") or ""
        path = request.path_info
        if not token or not path.startswith("/api/") or path in self.OPEN_PATHS or request.method == "OPTIONS":
            return self.get_response(request)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            given = ""
        if not given and request.method == "GET" and _takes_query_token(path):
            given = request.GET.get("access_token", "")
        if given and hmac.compare_digest(given.strip().encode(), token.encode()):
            return self.get_response(request)
        message = "This StoryReel API needs a token: send 'Authorization: Bearer <STORYREEL_API_TOKEN>'."
        response = JsonResponse({"error": message, "detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="storyreel"'
        return response


class BodySizeLimitMiddleware:
    """413 for request bodies above the limits (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        limit = settings.STORYREEL_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            what = "upload" if multipart else "request body"
            message = f"The {what} is {length / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB."
            return JsonResponse({"error": message, "detail": message}, status=413)
        return self.get_response(request)
