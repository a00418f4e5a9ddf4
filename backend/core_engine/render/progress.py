"""The progress record: the one shape in which every background job says how far it is (DESIGN §4, §9).

The engine creates it, the task manager stores it unchanged in the job, and the status endpoints return
:meth:`ProgressRecord.to_dict` as their ``progress`` object; the web app's ``ProgressRecord`` type is generated from
the same fields (OpenAPI schema).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


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
