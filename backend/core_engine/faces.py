"""Offline face detection for face-aware framing (the ``auto`` camera, :mod:`core_engine.camera`).

Detector: OpenCV's Haar cascades bundled in the ``opencv-python-headless`` wheel (``cv2.data.haarcascades``; nothing
is downloaded). The picture is reduced to :data:`DETECT_MAX_SIDE` pixels on its long side, grey, histogram-equalised,
and searched with ``haarcascade_frontalface_alt2`` (``minNeighbors`` 5); a face is kept only when
``haarcascade_frontalface_default`` (``minNeighbors`` 3), run around that box only, finds an overlapping box too.
Requiring both cascades rejects the lone false positives each one makes on the shared corpus (a circuit board, a
kitten, a chair) while both still find the faces of the party and portrait photos.

Detection costs about half a second per picture on an idle core (several seconds on a loaded machine), so it runs
once per image: results are remembered per SHA-256 of the image file's bytes, in this process and on disk (a small
JSON per image in :func:`face_cache_dir`), keyed also by :data:`DETECTOR_VERSION`. The API warms that cache when an
image is uploaded (``api.segment_files.store_image``), so renders normally find it done.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

logger = logging.getLogger(__name__)

__all__ = [
    "DETECTOR_VERSION",
    "DETECT_MAX_SIDE",
    "Face",
    "cached_faces",
    "detect_faces",
    "face_cache_dir",
    "faces_for_image",
]

#: Change whenever the detector or its parameters change: cached detections of another version are ignored, and
#: every segment whose camera is ``auto`` gets a new cache key.
DETECTOR_VERSION = "haar-alt2+default-roi-v2"

#: Long side (pixels) the picture is reduced to before detection: big enough for faces of about 2 % of the long
#: side (the cascades' 20×20 minimum window), small enough to take about a second.
DETECT_MAX_SIDE = 1024

#: A face counts as confirmed when the two cascades' boxes overlap by at least this intersection-over-union.
CONFIRM_IOU = 0.3


@dataclass(frozen=True)
class Face:
    """A detected face: box ``(x, y, w, h)`` in pixels of the upright source image (top-left origin)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        """``w·h``, square pixels."""
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        """Centre ``(cx, cy)``, pixels."""
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)


def face_cache_dir() -> Path:
    """Folder of cached detections: ``$STORYREEL_FACE_CACHE``, else ``<temp dir>/storyreel-faces``.

    Entries are tiny JSON files named by the image's SHA-256, so the folder can be shared by every project and
    deleted at any time.
    """
    env = os.environ.get("STORYREEL_FACE_CACHE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "storyreel-faces"


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


_CASCADES: dict[str, Any] = {}
_CASCADE_LOCK = threading.Lock()
_DETECT_LOCK = threading.Lock()


def _cascade(name: str) -> Any:
    import cv2

    folder = Path(cv2.__file__).parent / "data"  # = cv2.data.haarcascades (not in OpenCV's type stubs)
    with _CASCADE_LOCK:
        if name not in _CASCADES:
            classifier = cv2.CascadeClassifier(str(folder / name))
            if classifier.empty():
                raise RuntimeError(f"OpenCV's bundled cascade {name} could not be loaded")
            _CASCADES[name] = classifier
        return _CASCADES[name]


def detect_faces(image: Image.Image) -> list[Face]:
    """Faces in ``image`` (any mode, upright), largest first.

    Returns an empty list when OpenCV is not installed (logged once as a warning): the camera then frames the
    picture as it does without faces.
    """
    try:
        import cv2
        import numpy as np
    except ImportError:  # pragma: no cover - opencv-python-headless is in requirements.txt
        logger.warning("OpenCV is not installed: face-aware framing is off")
        return []
    grey = image.convert("L")
    scale = min(1.0, DETECT_MAX_SIDE / max(grey.size))
    if scale < 1.0:
        # reduce() (box average by a whole factor) first: a cheap, alias-free step down before the Lanczos resize
        factor = int(1.0 / scale / 2.0)
        if factor >= 2:
            grey = grey.reduce(factor)
        grey = grey.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
        )
    arr = cv2.equalizeHist(np.asarray(grey))
    alt2_cascade = _cascade("haarcascade_frontalface_alt2.xml")
    default_cascade = _cascade("haarcascade_frontalface_default.xml")
    confirmed = []
    with _DETECT_LOCK:  # a cascade object is not meant to be used from two threads at once
        for x, y, w, h in alt2_cascade.detectMultiScale(arr, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20)):
            # Confirm with the second cascade around this box only (its own scales, half to twice the box).
            box = (int(x), int(y), int(w), int(h))
            x0, y0 = max(0, box[0] - box[2]), max(0, box[1] - box[3])
            roi = arr[y0 : box[1] + 2 * box[3], x0 : box[0] + 2 * box[2]]
            found = default_cascade.detectMultiScale(
                roi,
                scaleFactor=1.1,
                minNeighbors=3,
                minSize=(box[2] // 2, box[3] // 2),
                maxSize=(2 * box[2], 2 * box[3]),
            )
            shifted = [(int(a) + x0, int(b) + y0, int(c), int(d)) for a, b, c, d in found]
            if any(_iou(box, other) >= CONFIRM_IOU for other in shifted):
                confirmed.append(box)
    faces = [Face(x / scale, y / scale, w / scale, h / scale) for (x, y, w, h) in confirmed]
    return sorted(faces, key=lambda f: -f.area)


_MEMO: dict[str, list[Face]] = {}
_MEMO_MAX = 512


def _read_cached(path: Path) -> list[Face] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != DETECTOR_VERSION:
            return None
        return [Face(*(float(v) for v in box)) for box in data["faces"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cached(path: Path, faces: list[Face]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
        payload = {"version": DETECTOR_VERSION, "faces": [[f.x, f.y, f.w, f.h] for f in faces]}
        tmp.write_text(json.dumps(payload), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a cache that cannot be written only costs time
        logger.warning("could not cache face detections in %s: %s", path.parent, exc)


def cached_faces(image_sha256: str, cache_dir: Path | None = None) -> list[Face] | None:
    """The remembered detections of an image (largest first), from this process or the disk cache
    (:func:`faces_for_image` stores them), or ``None`` when the image has not been searched yet. Never detects, so
    it needs no picture (the quick preview decodes a reduced picture only when this answers)."""
    memo_key = f"{DETECTOR_VERSION}:{image_sha256}"
    if memo_key in _MEMO:
        return list(_MEMO[memo_key])
    faces = _read_cached((cache_dir or face_cache_dir()) / f"{image_sha256}.json")
    if faces is None:
        return None
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[memo_key] = faces
    return list(faces)


def faces_for_image(image: Image.Image, image_sha256: str, cache_dir: Path | None = None) -> list[Face]:
    """Faces of an image (largest first), detected once per image content and remembered.

    Args:
        image: the upright picture (as the camera sees it).
        image_sha256: SHA-256 hex of the image file's bytes (the cache key).
        cache_dir: where detections are stored; default :func:`face_cache_dir`.
    """
    memo_key = f"{DETECTOR_VERSION}:{image_sha256}"
    if memo_key in _MEMO:
        return list(_MEMO[memo_key])
    file = (cache_dir or face_cache_dir()) / f"{image_sha256}.json"
    faces = _read_cached(file)
    if faces is None:
        faces = detect_faces(image)
        _write_cached(file, faces)
        logger.info("detected %d face(s) in image %s…", len(faces), image_sha256[:12])
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[memo_key] = faces
    return list(faces)
