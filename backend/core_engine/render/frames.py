"""Frame production: each segment's frames are made by :mod:`core_engine.ken_burns` in a producer thread (Pillow
releases the GIL while decoding and resampling) directly as BT.709 limited-range yuv420p planes, and handed to the
encoding thread through a short queue.

Colour: each segment's working image is converted once to Y'CbCr with the BT.709 matrix, limited ("tv") range,
4:2:0 chroma (:data:`core_engine.ken_burns.BT709_LIMITED_MATRIX`); the three planes are resampled per frame.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from core_engine.camera import shot_path_for_image, shot_path_without_picture
from core_engine.ken_burns import CameraPath, YuvPlanes, prepare_yuv_planes, render_yuv_frame, working_scale
from core_engine.render.ffmpeg import strip_folders
from core_engine.render.plan import PlanSegment, RenderError, RenderSettings
from core_engine.render.shots import Clip, Shot
from core_engine.render.transitions import Frame, clip_frames
from core_engine.render_utils import ImageError, load_image_rgb

__all__ = [
    "FRAME_QUEUE_SIZE",
    "MMAP_THRESHOLD",
    "FrameProducer",
    "PreparedShot",
    "SegmentJob",
    "prepare_shot",
    "tune_allocator",
]

#: Frames waiting between the producer thread and the encoder (bounds memory: 2 × W × H × 1.5 bytes). ffmpeg and
#: x264 buffer dozens more themselves, so a short queue costs no speed.
FRAME_QUEUE_SIZE = 2

#: Allocations at least this large (bytes) are served by mmap and given back to the system when freed.
MMAP_THRESHOLD = 8 * 1024 * 1024


@dataclass
class SegmentJob:
    """One clip to encode for segment ``index`` (0-based) of the plan: ``frames`` frames starting at frame
    ``stream_start`` of this run's encoded stream, published as cache entry ``key``; ``clip`` says what it shows
    (``None``: the whole segment as one shot of its first image); ``meta`` describes the camera path once the
    producer has prepared it (for the log); ``captions`` are the caption events libass burns into it (frames from
    the clip's first frame, :func:`core_engine.render.subtitles.clip_caption_events`)."""

    index: int
    segment: PlanSegment
    frames: int
    key: str
    stream_start: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    clip: Clip | None = None
    captions: tuple[tuple[int, int, int, str], ...] = ()

    def resolved_clip(self) -> Clip:
        """:attr:`clip`, or the whole-segment clip it stands for."""
        if self.clip is not None:
            return self.clip
        seg = self.segment
        shot = Shot(self.index, 0, Path(seg.image_path), seg.segment_id, 0, self.frames, camera=seg.camera)
        return Clip("shot", self.index, 0, self.frames, (shot,), whole_segment=True)


# -------------------------------------------------------------------------------------------------------- memory
_LIBC: Any = None


def _libc() -> Any:
    """glibc through ctypes, or ``False`` where there is none (other platforms: memory tuning is skipped)."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.mallopt  # noqa: B018  (probe: both functions are glibc's)
            _LIBC.malloc_trim  # noqa: B018  (probe, as above)
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


def tune_allocator() -> None:
    """Make glibc serve allocations of :data:`MMAP_THRESHOLD` or more (decoded photos, working copies) with mmap,
    so they go back to the system as soon as they are freed.

    By default glibc raises its mmap threshold after the first such block is freed and then keeps later ones in
    the heap, where they fragment: the process would grow by tens of MB over many segments of different photo
    sizes. Frames (≤ 3 MB at 1080p) stay below the threshold and keep being recycled from the heap, so this costs
    a few ms of page faults per segment, not per frame. Process-wide and idempotent; a no-op off glibc.
    """
    libc = _libc()
    if libc:
        libc.mallopt(-3, MMAP_THRESHOLD)  # -3 = M_MMAP_THRESHOLD


def _release_freed_memory() -> None:
    """Return freed heap memory (whole free pages in every arena) to the system (glibc ``malloc_trim``)."""
    libc = _libc()
    if libc:
        libc.malloc_trim(0)


# -------------------------------------------------------------------------------------------------------- images
def _open_plain_rgb(path: Path) -> Image.Image | None:
    """The image when it is already upright 8-bit RGB (no EXIF rotation, no alpha, no other mode), decoded; else
    ``None``.

    For such files :func:`load_image_rgb` returns a copy of exactly these pixels; decoding without the copy halves
    the memory a 12-megapixel photo takes while it is being prepared (about 50 MB at the process's peak). Anything
    else, including every error, is left to :func:`load_image_rgb`.
    """
    try:
        img = Image.open(path)
        if img.mode != "RGB" or img.getexif().get(0x0112, 1) in (2, 3, 4, 5, 6, 7, 8):
            img.close()
            return None
        img.load()
        return img
    except Exception:
        return None


def load_segment_image(index: int, path: Path, min_size: tuple[int, int] | None = None) -> Image.Image:
    """The picture of segment ``index`` (0-based) as upright RGB; with ``min_size`` (upright pixels) a JPEG may be
    decoded reduced to no less than that (:func:`core_engine.render_utils.load_image_rgb`).

    Raises:
        RenderError: unreadable or too large ("Segment N: …", naming the file, not its folder).
    """
    plain = _open_plain_rgb(path) if min_size is None else None
    if plain is not None:
        return plain
    try:
        return load_image_rgb(path, min_size)
    except ImageError as exc:
        raise RenderError(f"Segment {index + 1}: {strip_folders(str(exc))}.") from None
    except MemoryError:
        raise RenderError(f"Segment {index + 1}: the image is too large to process.") from None


# --------------------------------------------------------------------------------------------------------- shots
@dataclass
class PreparedShot:
    """A shot's image prepared for frame making: its camera path over ``n_frames`` frames and working planes."""

    path: CameraPath
    planes: YuvPlanes
    n_frames: int

    def frame(self, k: int) -> Frame:
        """The yuv420p frame at index ``k`` of the shot's camera path."""
        window = self.path.window_at(self.path.frame_progress(k, self.n_frames))
        return render_yuv_frame(self.planes, window, self.path.output_size)


def _upright_size(path: Path) -> tuple[int, int] | None:
    """``(w, h)`` of the picture in ``path`` once EXIF orientation is applied, read from its header; ``None`` when
    the header cannot be read (the full decode then reports why)."""
    try:
        with Image.open(path) as img:
            w, h = img.size
            return (h, w) if img.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)
    except Exception:
        return None


def _prepare_draft_shot(shot: Shot, settings: RenderSettings) -> PreparedShot | None:
    """A quick preview's shot (``settings.draft``): the camera path planned from the file's header, exactly as the
    full render plans it (same picture size, same cached faces), then the picture decoded only as large as the
    working planes need (a JPEG at a reduced DCT scale) and prescaled with a bilinear filter. ``None`` when that
    is not possible (unreadable header, or faces not detected yet: the full path detects and caches them)."""
    image_size = _upright_size(shot.image_path)
    if image_size is None:
        return None
    size = (settings.width, settings.height)
    try:
        path = shot_path_without_picture(
            image_size, shot.image_path, size, shot.camera, settings.zoom_intensity, shot.motion_id
        )
    except (OSError, ValueError):
        return None
    if path is None:
        return None
    factor = min(1.0, working_scale(path))
    need = (math.ceil(image_size[0] * factor), math.ceil(image_size[1] * factor))
    image = load_segment_image(shot.segment_index, shot.image_path, need)
    planes = prepare_yuv_planes(image, path, Image.Resampling.BILINEAR)
    del image
    return PreparedShot(path, planes, shot.path_frames)


def prepare_shot(shot: Shot, settings: RenderSettings) -> PreparedShot:
    """Load ``shot``'s image and prepare its camera path (its ``camera`` settings, :func:`core_engine.camera.
    shot_path_for_image`; ``auto`` without faces moves as ``shot.motion_id`` decides) and working planes. A quick
    preview (``settings.draft``) decodes and prescales less (:func:`_prepare_draft_shot`), on the same path.

    Raises:
        RenderError: the image is unreadable or too large ("Segment N: …").
    """
    if settings.draft:
        draft = _prepare_draft_shot(shot, settings)
        if draft is not None:
            return draft
    image = load_segment_image(shot.segment_index, shot.image_path)
    size = (settings.width, settings.height)
    try:
        path = shot_path_for_image(image, shot.image_path, size, shot.camera, settings.zoom_intensity, shot.motion_id)
    except OSError as exc:
        raise RenderError(f"Segment {shot.segment_index + 1}: the image could not be read ({exc}).") from None
    planes = prepare_yuv_planes(image, path)
    del image  # only the working planes stay alive while frames are made
    return PreparedShot(path, planes, shot.path_frames)


# ------------------------------------------------------------------------------------------------------ producer
def _shots_in_order(jobs: list[SegmentJob]) -> list[Shot]:
    """Every distinct shot of ``jobs``' clips, in the order the clips first show them."""
    seen: dict[tuple[int, int], Shot] = {}
    for job in jobs:
        for shot in job.resolved_clip().shots:
            seen.setdefault((shot.segment_index, shot.image_index), shot)
    return list(seen.values())


#: Queue item meaning "every job's frames have been produced".
DONE = object()


class FrameProducer:
    """A thread making the frames of ``jobs``, in order, into a bounded queue.

    Items read with :meth:`get`: ``("start", job)`` before each job's frames, ``("frame", (Y, Cb, Cr))`` for each
    frame (three ``bytes`` planes), then :data:`DONE`; or ``("error", exc)`` when production failed.
    """

    def __init__(self, jobs: list[SegmentJob], settings: RenderSettings, queue_size: int = FRAME_QUEUE_SIZE) -> None:
        self.jobs = jobs
        self.settings = settings
        self.queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ken-burns-frames", daemon=True)
        self._prepared: dict[tuple[int, int], PreparedShot] = {}
        # Drafts prepare the next shot's picture on a second thread while this one's frames are made: a draft's
        # frames are cheap and decoding the photos dominates (the full render keeps memory flat instead).
        self._ahead: dict[tuple[int, int], Future[PreparedShot]] = {}
        self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="ken-burns-ahead") if settings.draft else None
        order = _shots_in_order(jobs) if settings.draft else []
        #: Drafts: each shot's key → the shot shown after it (the look-ahead thread's next piece of work).
        self._following = {(a.segment_index, a.image_index): b for a, b in itertools.pairwise(order)}

    def start(self) -> FrameProducer:
        """Start the thread; returns ``self``."""
        self._thread.start()
        return self

    def get(self, timeout: float) -> object | None:
        """The next item, or ``None`` when none arrived within ``timeout`` seconds."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        """Stop the thread and wait for it to exit (it may be blocked on a full queue); idempotent."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                while True:
                    self.queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(timeout=0.1)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _shot(self, shot: Shot) -> PreparedShot:
        """The prepared shot, kept while the next clip may still need it (a body, then its transitions): at most
        two shots' planes are alive at once."""
        key = (shot.segment_index, shot.image_index)
        prepared = self._prepared.get(key)
        if prepared is None:
            ahead = self._ahead.pop(key, None)
            prepared = ahead.result() if ahead is not None else prepare_shot(shot, self.settings)
            self._prepare_next(key)
            _release_freed_memory()
            self._prepared = {key: prepared}  # clips come in video order: earlier shots are done with
        return prepared

    def _prepare_next(self, key: tuple[int, int]) -> None:
        """Drafts: start preparing the shot after ``key`` (in video order) on the look-ahead thread."""
        following = self._following.get(key)
        if self._ahead_pool is None or following is None:
            return
        next_key = (following.segment_index, following.image_index)
        if next_key not in self._ahead:
            self._ahead[next_key] = self._ahead_pool.submit(prepare_shot, following, self.settings)

    def _produce(self, job: SegmentJob) -> bool:
        size = (self.settings.width, self.settings.height)
        clip = job.resolved_clip()
        first = self._shot(clip.shots[0])
        job.meta = {
            "clip": clip.kind if clip.kind == "shot" else f"transition {clip.transition}",
            "mode": first.path.mode,
            "source": first.path.image_size,
            "working": first.planes.y.size,
        }
        if not self._put(("start", job)):
            return False
        return all(self._put(("frame", frame)) for frame in clip_frames(clip, self._shot, size))

    def _run(self) -> None:
        try:
            for job in self.jobs:
                if not self._produce(job):
                    return
            self._prepared.clear()
            _release_freed_memory()
            self._put(DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(("error", exc))
        finally:
            if self._ahead_pool is not None:
                self._ahead_pool.shutdown(wait=True, cancel_futures=True)
            self._ahead.clear()
