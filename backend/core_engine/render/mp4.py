"""Reading an MP4 file's structure without decoding it (ISO/IEC 14496-12, the ISO base media file format)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["mp4_video_samples"]


def _boxes(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes between byte offsets ``start`` and ``end``: (type, payload start, box end)."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        header = fh.read(16)
        size, kind = int.from_bytes(header[:4], "big"), header[4:8]
        body = pos + 8
        if size == 1:
            size, body = int.from_bytes(header[8:16], "big"), pos + 16
        elif size == 0:
            size = end - pos
        if size < 8:
            return
        yield kind, body, pos + size
        pos += size


def mp4_video_samples(path: Path) -> int | None:
    """Number of samples (frames) of the first track of an MP4 file, read from its ``moov/trak/mdia/minf/stbl/stsz``
    box (ISO/IEC 14496-12 §8.7.3) without decoding; ``None`` when the box is not found.

    Raises:
        OSError: the file cannot be read.
    """
    with path.open("rb") as fh:
        scope = (0, fh.seek(0, os.SEEK_END))
        for wanted in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"):
            found = next(((b, e) for k, b, e in _boxes(fh, *scope) if k == wanted), None)
            if found is None:
                return None
            scope = found
        fh.seek(scope[0] + 8)  # version/flags, sample_size, then sample_count
        return int.from_bytes(fh.read(4), "big")
