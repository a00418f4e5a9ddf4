"""The progress record: the one shape in which every background job says how far it is (DESIGN §4, §9).

The engine creates it, the task manager stores it unchanged in the job, and the status endpoints return
:meth:`ProgressRecord.to_dict` as their ``progress`` object; the web app's ``ProgressRecord`` type is generated from
the same fields (OpenAPI schema).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

logger = logging.getLogger(__name__)

#: Minimum seconds between two progress reports while frames flow (reports are also made at every phase change).
#: A callback that raises :class:`RenderCancelled` therefore stops a render within about twice this time.
PROGRESS_INTERVAL = 0.25


class Stage:
    """Coarse stages of a render job, as the seeds' Render API names them; ``SCENE_BUILD[n]`` carries the 1-based
    number of the segment being built (:meth:`scene_build`)."""

    QUEUED = "QUEUED"
    VALIDATE = "VALIDATE"
    AUDIO_PREP = "AUDIO_PREP"
    SCENE_BUILD = "SCENE_BUILD"
    CONCAT = "CONCAT"
    FINALIZE = "FINALIZE"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    #: Narration jobs (speech synthesis of segments), not renders.
    NARRATE = "NARRATE"

    @staticmethod
    def scene_build(segment_number: int) -> str:
        """``"SCENE_BUILD[n]"`` for the 1-based ``segment_number``."""
        return f"{Stage.SCENE_BUILD}[{segment_number}]"


@dataclass(frozen=True)
class ProgressRecord:
    """How far one job is.

    Attributes:
        current_segment: segments completely done, 0…``total_segments`` (taken from the cache or fully encoded; for
            narration jobs, segments narrated).
        total_segments: segments in the job.
        percentage: overall progress, integer 0–100, never decreasing during one job; at a segment boundary it
            equals ``int(current_segment / total_segments * 100)`` (DESIGN §4).
        current_phase: what is happening, in words for the user, e.g. ``"Encoding segment 3 of 12 (40%)"``.
        stage: coarse stage (:class:`Stage`), e.g. ``"SCENE_BUILD[3]"``.
        eta_seconds: estimated seconds until the job finishes, or ``None`` while unknown.
    """

    current_segment: int = 0
    total_segments: int = 0
    percentage: int = 0
    current_phase: str = "Queued"
    stage: str = Stage.QUEUED
    eta_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the status endpoints' ``progress`` key (same field names)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ProgressRecord:
        """Inverse of :meth:`to_dict`; unknown keys are ignored, missing ones take their defaults."""
        if not data:
            return cls()
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})


#: The one progress callback signature: ``on_progress(record)``. It may raise :class:`RenderCancelled` to stop the
#: job; the engine then cleans up (kills ffmpeg, removes partial files) and re-raises it.
ProgressCallback = Callable[[ProgressRecord], None]


class RenderCancelled(Exception):
    """Raised (by a progress callback, or by the engine when asked to stop) to end a render early; the engine removes
    its partial files and leaves the previous output untouched."""


class ProgressTracker:
    """Builds the :class:`ProgressRecord` of one job and hands it to the callback.

    Keeps ``percentage`` monotonic and equal to ``int(current / total * 100)`` at segment boundaries (a ``partial``
    share of the next segment moves it in between), and estimates ``eta_seconds`` from the rate of progress so far:
    ``elapsed × (100 − p) / (p − p₀)`` where ``p`` is the exact percentage and ``p₀`` the part done without work
    (:meth:`set_baseline`, e.g. segments taken from the cache); ``None`` until progress has moved, 0 at 100 %.

    The callback runs in the caller's thread; when it raises (e.g. :class:`RenderCancelled`) the exception
    propagates out of :meth:`report`.
    """

    def __init__(self, total: int, on_progress: ProgressCallback | None, clock: Callable[[], float] = time.monotonic):
        self.segments = total
        self.total = max(1, total)
        self.on_progress = on_progress
        self.clock = clock
        self.started = clock()
        self.last_report = self.started
        self.exact = 0.0  # percentage as a float, never decreasing
        self.baseline = 0.0
        self.record = ProgressRecord(total_segments=total)

    def set_baseline(self, done_without_work: int) -> None:
        """``done_without_work`` segments count as done from the start without costing time (ETA only)."""
        self.baseline = min(100.0, max(0.0, done_without_work / self.total * 100.0))

    def report(self, current: int, phase: str, stage: str, partial: float = 0.0) -> ProgressRecord:
        """Report ``current`` segments done and ``partial`` (0–1) of the next one; returns the record sent."""
        share = min(max(partial, 0.0), 1.0)
        self.exact = min(100.0, max(self.exact, (current + share) / self.total * 100.0))
        now = self.clock()
        self.last_report = now
        self.record = ProgressRecord(
            current_segment=current,
            total_segments=self.segments,
            percentage=int(self.exact),
            current_phase=phase,
            stage=stage,
            eta_seconds=self._eta(now),
        )
        logger.debug("progress %d/%d %.1f%% %s %s", current, self.total, self.exact, stage, phase)
        if self.on_progress is not None:
            self.on_progress(self.record)
        return self.record

    def _eta(self, now: float) -> float | None:
        if self.exact >= 100.0:
            return 0.0
        moved = self.exact - self.baseline
        if moved <= 0:
            return None
        return round((now - self.started) * (100.0 - self.exact) / moved, 1)

    def keep_alive(self) -> None:
        """Send the current record again when :data:`PROGRESS_INTERVAL` seconds have passed since the last report
        (long steps without segment progress: loudness measurement, the mix), so a poll always sees the job
        alive and a cancel is noticed."""
        if self.due():
            r = self.record
            self.report(r.current_segment, r.current_phase, r.stage)

    def due(self) -> bool:
        """True when :data:`PROGRESS_INTERVAL` seconds have passed since the last report."""
        return self.clock() - self.last_report >= PROGRESS_INTERVAL
