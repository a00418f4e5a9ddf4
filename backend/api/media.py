"""``/media/`` with HTTP Range support, so a ``<video>`` element can seek (DESIGN §4).

Whole-file requests go through Django's own ``django.views.static.serve``; a single ``Range: bytes=…`` request is
answered with ``206 Partial Content`` and only the requested bytes (RFC 9110 §14). Multi-range requests get the
whole file (allowed by the RFC).
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.static import serve

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _FileSlice:
    """File-like view of ``length`` bytes of ``fh`` from its current position (for ``FileResponse``)."""

    def __init__(self, fh, length: int):
        self._fh = fh
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._fh.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._fh.close()


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Serve ``MEDIA_ROOT/<path>``; 206 for a satisfiable ``Range``, 416 for an unsatisfiable one, 404 if absent or
    outside MEDIA_ROOT (also through a symlink). A ``Range`` that is not one valid byte range is ignored (whole
    file, 200)."""
    try:
        # The same normalisation as django.views.static.serve, checked here so that "../" is a 404 and not the
        # 400 that serve's SuspiciousFileOperation would become.
        full = Path(safe_join(str(settings.MEDIA_ROOT), posixpath.normpath(path).lstrip("/")))
    except (SuspiciousFileOperation, ValueError):
        raise Http404("Not found") from None
    # A symlink (or a symlinked folder) inside MEDIA_ROOT must not lead outside it: compare real paths.
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        real = full.resolve()
    except (OSError, RuntimeError):
        raise Http404("Not found") from None
    if not real.is_relative_to(root):
        raise Http404("Not found")
    full = real
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header) if header else None
    first, last = match.groups() if match else ("", "")
    # RFC 9110 §14.1.1: "bytes=-" and a last-pos before first-pos are invalid range-specs, to be ignored.
    if match is None or (first == "" and last == "") or (first and last and int(last) < int(first)):
        response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
        response["Accept-Ranges"] = "bytes"
        return response
    if not full.is_file():
        raise Http404("Not found")
    size = full.stat().st_size
    if first == "":  # suffix range: the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    fh = open(full, "rb")  # noqa: SIM115 - closed by FileResponse
    fh.seek(start)
    content_type = mimetypes.guess_type(str(full))[0] or "application/octet-stream"
    response = FileResponse(_FileSlice(fh, length), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(os.path.getmtime(full))
    return response
