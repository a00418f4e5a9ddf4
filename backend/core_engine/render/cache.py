"""Content-addressed cache of rendered pieces (encoded segment videos, the narration track).

An *entry* is one file ``<cache_dir>/<key><ext>`` where ``key`` is a 64-hex-digit SHA-256 of everything that
determines the file's content (see :func:`make_key`; the renderer decides what goes in). Entries are written to a
temporary name in the same folder and moved into place with :func:`os.replace`, so a reader never sees a partial
entry and a crash leaves at worst a stray temporary file (removed by the next :func:`prune_cache`).

The cache folder also holds one small JSON manifest (:data:`MANIFEST_NAME`) describing the last finished output,
which :func:`prune_cache` leaves alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: File name of the manifest kept beside the entries (never pruned).
MANIFEST_NAME = "manifest.json"

#: Extension of encoded segment entries (H.264 in MP4, video only).
VIDEO_EXT = ".mp4"
#: Extension of narration track entries (AAC in MP4).
AUDIO_EXT = ".m4a"

_ENTRY_RE = re.compile(r"^(?P<key>[0-9a-f]{64})(?P<ext>\.[A-Za-z0-9]+)$")

# (path, size, mtime_ns) -> SHA-256 hex of the file's bytes; bounded, in-process only.
_HASH_MEMO: dict[tuple[str, int, int], str] = {}
_HASH_MEMO_MAX = 4096


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (read in 1 MiB chunks).

    Remembered per (path, size, modification time) within the process, so hashing the same unchanged file twice
    in one render costs one read.

    Raises:
        OSError: the file cannot be read (e.g. ``FileNotFoundError``).
    """
    path = Path(path)
    st = path.stat()
    memo_key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    cached = _HASH_MEMO.get(memo_key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    value = digest.hexdigest()
    if len(_HASH_MEMO) >= _HASH_MEMO_MAX:
        _HASH_MEMO.clear()
    _HASH_MEMO[memo_key] = value
    return value


def make_key(payload: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of a JSON-serialisable mapping (canonical JSON: sorted keys, no whitespace)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class SegmentCache:
    """A cache folder of entries ``<key><ext>`` (created on first use)."""

    def __init__(self, cache_dir: str | Path) -> None:
        self.dir = Path(cache_dir)

    def path(self, key: str, ext: str) -> Path:
        """Where entry ``key`` with extension ``ext`` (e.g. ``".mp4"``) lives."""
        return self.dir / f"{key}{ext}"

    def get(self, key: str, ext: str) -> Path | None:
        """Path of the entry when it exists (and is not empty), else ``None``."""
        path = self.path(key, ext)
        try:
            return path if path.stat().st_size > 0 else None
        except FileNotFoundError:
            return None

    def temp_path(self, key: str, ext: str) -> Path:
        """A fresh temporary name for writing entry ``key`` (same folder, same extension, so tools that pick a
        format from the extension still work)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        return self.dir / f".{key}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part{ext}"

    def publish(self, temp: Path, key: str, ext: str) -> Path:
        """Atomically move a finished temporary file into place as entry ``key`` and return its path."""
        final = self.path(key, ext)
        os.replace(temp, final)
        return final

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest as a dict, or ``None`` when absent or unreadable."""
        try:
            data = json.loads((self.dir / MANIFEST_NAME).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_manifest(self, data: Mapping[str, Any]) -> None:
        """Replace the manifest atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{MANIFEST_NAME}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
        tmp.write_text(json.dumps(dict(data), sort_keys=True, indent=1), "utf-8")
        os.replace(tmp, self.dir / MANIFEST_NAME)

    def clear_manifest(self) -> None:
        """Forget the last finished output (e.g. before writing a new one)."""
        with contextlib.suppress(FileNotFoundError):
            (self.dir / MANIFEST_NAME).unlink()


def prune_cache(cache_dir: str | Path, keep: set[str]) -> int:
    """Delete every file in ``cache_dir`` that is not an entry whose key is in ``keep``.

    Entries of other keys, stray temporary files and anything else unexpected are removed; the manifest
    (:data:`MANIFEST_NAME`) and sub-folders are left alone. A missing folder is fine.

    Returns:
        The number of files removed.
    """
    folder = Path(cache_dir)
    if not folder.is_dir():
        return 0
    removed = 0
    for item in folder.iterdir():
        if item.name == MANIFEST_NAME or not item.is_file():
            continue
        match = _ENTRY_RE.match(item.name)
        if match and match.group("key") in keep:
            continue
        try:
            item.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("could not remove cache file %s: %s", item, exc)
    if removed:
        logger.info("pruned %d file(s) from %s", removed, folder)
    return removed
