"""Housekeeping that keeps a long-running server bounded: free disk space before a render, and removal of what
crashed renders and interrupted uploads left behind (issue 9)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings

from api.exceptions import InsufficientDiskSpace
from api.models import Project

logger = logging.getLogger(__name__)

#: Bits per pixel and frame an H.264 encode of a Ken Burns video needs at most (a generous upper bound of what
#: the encoder presets here produce: about 6 Mbit/s at 1080p30).
BITS_PER_PIXEL_FRAME = 0.1
#: A render writes each segment's clip to the cache, the joined video to a temporary file, then keeps both
#: until it finishes: three times the video's size, at most.
RENDER_SPACE_FACTOR = 3


def estimate_render_bytes(project: Project) -> int:
    """Upper estimate (bytes) of the disk space rendering ``project`` takes: the narration's total duration (s)
    × width × height × fps × :data:`BITS_PER_PIXEL_FRAME` / 8 × :data:`RENDER_SPACE_FACTOR`."""
    seconds = sum(float(s.audio_duration or 0) for s in project.segments.all())
    bits_per_second = project.resolution_width * project.resolution_height * project.framerate * BITS_PER_PIXEL_FRAME
    return int(seconds * bits_per_second / 8 * RENDER_SPACE_FACTOR)


def check_disk_space_for_render(project: Project) -> None:
    """Refuse a render when the disk of MEDIA_ROOT has less free space than :func:`estimate_render_bytes` plus
    ``settings.STORYREEL_MIN_FREE_DISK_BYTES`` (``STORYREEL_MIN_FREE_DISK_MB``, default 500 MB).

    Raises:
        InsufficientDiskSpace: with a message naming the free and the needed space in MB.
    """
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(root).free
    needed = estimate_render_bytes(project) + int(settings.STORYREEL_MIN_FREE_DISK_BYTES)
    if free < needed:
        raise InsufficientDiskSpace(
            f"Not enough free disk space to render: {free / 1e6:,.0f} MB free, about {needed / 1e6:,.0f} MB needed. "
            "Free some space (or delete old projects) and try again."
        )


def clean_render_leftovers(media_root: Path | None = None) -> int:
    """Remove what interrupted work left under MEDIA_ROOT: temporary render outputs (``output/.*.part.mp4``),
    render work folders (``output/.render-*``), unfinished cache entries (``cache/.*.part*``), unfinished narration
    (``audio/.*.part.wav``) and staged uploads
    (``tmp/upload_*``). Call only when no render or upload is running (at server start-up). Returns how many
    files and folders were removed; user files and finished videos are never touched."""
    root = Path(media_root or settings.MEDIA_ROOT)
    patterns = [
        "projects/*/output/.*.part.mp4",
        "projects/*/output/.render-*",
        "projects/*/cache/.*.part*",
        "projects/*/audio/.*.part.wav",
        "tmp/upload_*",
    ]
    removed = 0
    for pattern in patterns:
        for item in root.glob(pattern):
            try:
                if item.is_symlink() or item.is_file():
                    item.unlink()
                elif item.is_dir():
                    shutil.rmtree(item)
                else:
                    continue
            except OSError as exc:
                logger.warning("could not remove leftover %s: %s", item.name, exc)
                continue
            removed += 1
    if removed:
        logger.info("removed %d leftover(s) of interrupted renders and uploads", removed)
    return removed
