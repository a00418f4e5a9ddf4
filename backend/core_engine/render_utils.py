"""Render utilities: ffmpeg discovery, image checks and normalisation, output paths.

Nothing here touches Django; callers pass plain paths and numbers.
"""

from __future__ import annotations

import functools
import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

#: Largest image accepted, in pixels (80 megapixels), and in bytes (25 MB).
MAX_IMAGE_PIXELS = 80_000_000
MAX_IMAGE_BYTES = 25 * 1024 * 1024
#: Image formats accepted, as Pillow names them.
ALLOWED_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

# Pillow's own decompression-bomb guard fires at ~89 MP; ours is stricter and checked before decoding.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS + 1


class FFmpegNotFoundError(RuntimeError):
    """No ffmpeg binary is available (imageio-ffmpeg is missing or broken)."""


class ImageError(ValueError):
    """An image that cannot be used; ``str(err)`` is a reason a user understands."""


@functools.lru_cache(maxsize=1)
def _find_ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # imageio-ffmpeg raises RuntimeError when its binary is missing
        logger.warning("ffmpeg not found: %s", exc)
        return None
    return exe if exe and Path(exe).is_file() else None


def check_ffmpeg() -> str | None:
    """Path of the ffmpeg binary that ``imageio-ffmpeg`` ships, or ``None`` when there is none."""
    return _find_ffmpeg()


def require_ffmpeg() -> str:
    """Like :func:`check_ffmpeg` but raises :class:`FFmpegNotFoundError` instead of returning ``None``."""
    exe = check_ffmpeg()
    if exe is None:
        raise FFmpegNotFoundError("ffmpeg is required to render video and read audio, but none was found")
    return exe


@functools.lru_cache(maxsize=1)
def ffmpeg_version() -> str | None:
    """Version string of the ffmpeg binary (e.g. ``"9.0.2"``), or ``None`` when ffmpeg is missing."""
    exe = check_ffmpeg()
    if exe is None:
        return None
    out = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"ffmpeg version (\S+)", out)
    return match.group(1) if match else "unknown"


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`inspect_image` found: Pillow format name, size in pixels after EXIF orientation."""

    format: str
    width: int
    height: int


def inspect_image(path: str | Path) -> ImageInfo:
    """Check that ``path`` is a JPEG, PNG or WebP of at most 25 MB and 80 megapixels that decodes completely.

    Raises:
        ImageError: with the reason (type, size, pixel count, truncated or damaged data).
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ImageError("the file is empty")
    if size > MAX_IMAGE_BYTES:
        raise ImageError(f"the file is {size / 1e6:.1f} MB; the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(path) as img:
            fmt = img.format or ""
            if fmt not in ALLOWED_IMAGE_FORMATS:
                raise ImageError(f"{fmt or 'this'} images are not supported; use JPEG, PNG or WebP")
            w, h = img.size
            if w * h > MAX_IMAGE_PIXELS:
                raise ImageError(f"the image has {w * h / 1e6:.0f} megapixels; the limit is 80")
            img.load()  # decode everything: a truncated file fails here
            orientation = img.getexif().get(0x0112, 1)
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError("the image has more than 80 megapixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"the file is not a readable image ({exc.__class__.__name__}: {exc})") from None
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return ImageInfo(format=fmt, width=w, height=h)


def load_image_rgb(path: str | Path, min_size: tuple[int, int] | None = None) -> Image.Image:
    """Open an image as upright 8-bit RGB: EXIF orientation applied, any mode (CMYK, L, P, LA, RGBA, I;16) converted.

    Transparency is composited over black (the video background). Returns a loaded ``PIL.Image`` in mode ``RGB``.
    With ``min_size`` (upright ``(w, h)`` pixels), a JPEG is decoded at the smallest scale of its DCT (1/2, 1/4,
    1/8: libjpeg's scaled inverse DCT, Pillow ``Image.draft``) that still gives at least that size, so the picture
    may come back smaller than the file (up to 8× on each side, each side rounded up); other formats and JPEGs not
    much larger than ``min_size`` are decoded whole.

    Raises:
        ImageError: the file cannot be opened or decoded.
    """
    try:
        with Image.open(path) as src:
            if min_size is not None and src.format == "JPEG":
                need_w, need_h = min_size
                if src.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # stored sideways: the draft size is the file's
                    need_w, need_h = need_h, need_w
                src.draft(src.mode, (max(1, need_w), max(1, need_h)))
            img = ImageOps.exif_transpose(src)
            img.load()
    except FileNotFoundError:
        raise ImageError(f"the image file {Path(path).name} is missing") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"the image {Path(path).name} could not be read ({exc})") from None
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    if img.mode != "RGB":
        img = img.convert("RGB")
    return img


def project_output_dir(media_root: str | Path, project_id: str) -> Path:
    """``<media_root>/projects/<project_id>/output`` (created when missing)."""
    out = Path(media_root) / "projects" / str(project_id) / "output"
    out.mkdir(parents=True, exist_ok=True)
    return out


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe_video` read from a video file.

    ``width``/``height`` in pixels, ``fps`` frames per second, ``duration`` in seconds (container), ``frame_count``
    counted by decoding the video stream, codec names as ffmpeg prints them (e.g. ``"h264"``, ``"aac"``),
    ``pixel_format`` like ``"yuv420p"``, ``color_space`` like ``"bt709"`` (or ``None`` when untagged).
    """

    width: int
    height: int
    fps: float
    duration: float
    frame_count: int
    video_codec: str
    audio_codec: str | None
    pixel_format: str
    color_space: str | None


def probe_video(path: str | Path, count_frames: bool = True) -> VideoInfo:
    """Read a video's format with ``ffmpeg -i`` (imageio-ffmpeg ships no ffprobe) and, with ``count_frames``,
    decode the video stream to count its frames and make sure it decodes.

    Raises:
        ValueError: the file has no video stream or does not decode.
    """
    exe = require_ffmpeg()
    cmd = [exe, "-nostdin", "-hide_banner", "-i", str(path)]
    if count_frames:
        cmd += ["-map", "0:v:0", "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    err = proc.stderr
    video = re.search(r"Stream #\S+.*?: Video: (\w+).*?, (\w+)(?:\(([^)]*)\))?,.*? (\d{2,5})x(\d{2,5})", err)
    if video is None:
        raise ValueError(f"{Path(path).name} has no video stream")
    fps = re.search(r"([\d.]+) fps", err)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", err)
    audio = re.search(r"Stream #\S+.*?: Audio: (\w+)", err)
    tags = (video.group(3) or "").split(",")
    color_space = None
    if len(tags) > 1:
        color_space = tags[1].strip().split("/")[0] or None
    frames = 0
    if count_frames:
        if proc.returncode != 0:
            raise ValueError(f"{Path(path).name} does not decode: {err.strip().splitlines()[-1:]}")
        counted = re.findall(r"frame=\s*(\d+)", err)
        frames = int(counted[-1]) if counted else 0
    h, m, s = duration.groups() if duration else (0, 0, 0)
    return VideoInfo(
        width=int(video.group(4)),
        height=int(video.group(5)),
        fps=float(fps.group(1)) if fps else 0.0,
        duration=int(h) * 3600 + int(m) * 60 + float(s),
        frame_count=frames,
        video_codec=video.group(1),
        audio_codec=audio.group(1) if audio else None,
        pixel_format=video.group(2),
        color_space=color_space,
    )
