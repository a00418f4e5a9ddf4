"""Shots, transitions and the clips the video is encoded in (issue 12 §1–§2).

**Shots.** A segment shows up to :data:`MAX_IMAGES` images one after another; each is a *shot* with its own Ken Burns
move (deterministic per segment id + image index: :func:`motion_id`). The segment's narration time ``D`` is shared
equally among ``k`` shots (:func:`shot_count`):

* ``k = min(n, max(1, floor(D / min_shot)))`` for ``n`` images: when the narration is shorter than the images need,
  fewer images are shown (the first ``k`` in order), so no shot is shorter than ``min_shot`` unless the whole
  segment is (then its only shot is the whole segment);
* when the narration is longer than ``n · max_shot``, the shots grow past ``max_shot`` (equal shares of ``D``)
  rather than leaving a gap; ``min_shot`` wins over ``max_shot`` when both cannot hold.

Shot boundaries are frame-exact from cumulative time, like segment boundaries (DESIGN §6): shot ``j`` of segment
``i`` starts at frame ``round((T_i + j·D/k)·fps)``.

**Transitions.** Between every two consecutive shots (across segments and within one) the project's
:class:`Transition` applies. A transition of ``2h`` frames is centred on the boundary frame ``b``: it covers
``[b − h, b + h)`` with ``h = round(duration·fps / 2)`` (at least 1), so its midpoint is exactly the boundary and the
narration is never shifted; ``h`` is shortened where a neighbouring shot has fewer than ``2h`` frames (never more
than half of either shot), so the total length never changes. Both shots' camera paths run through the transition:
shot ``A`` covers frames ``[start_A − h_in, end_A + h_out)`` of its own path.

**Clips.** The video is encoded as a sequence of cached *clips* (:func:`plan_clips`): each shot's *body* (its frames
without the half-transitions at each end) and each transition (``2h`` frames made from both neighbours). With
``cut`` there are no transition clips and a segment with one image is one clip, exactly as before. A transition
clip belongs to the segment of the shot before it, so every segment owns its bodies and its outgoing transitions
(what a distributed worker encodes for that segment).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from core_engine.camera import CameraSettings
from core_engine.render.plan import RenderError, RenderPlan, SegmentSpan

__all__ = [
    "DEFAULT_MAX_SHOT",
    "DEFAULT_MIN_SHOT",
    "MAX_IMAGES",
    "MAX_TRANSITION_DURATION",
    "TRANSITION_KINDS",
    "Clip",
    "Shot",
    "ShotSettings",
    "Transition",
    "motion_id",
    "plan_clips",
    "plan_shots",
    "shot_count",
    "validate_shot_settings",
]

#: Transition kinds: ``cut`` (none), ``crossfade`` (linear mix), ``fade_black`` (out to black, in from black),
#: ``slide_left`` (the next picture pushes the previous one out to the left, eased).
TRANSITION_KINDS = ("cut", "crossfade", "fade_black", "slide_left")

#: Longest transition, seconds.
MAX_TRANSITION_DURATION = 2.0

#: Images a segment may have (the seeds' Render API takes up to 3 per scene).
MAX_IMAGES = 3

#: Shot length limits, seconds (the seeds' Render API ``minShot`` / ``maxShot``).
DEFAULT_MIN_SHOT = 2.5
DEFAULT_MAX_SHOT = 8.0


@dataclass(frozen=True)
class Transition:
    """How one shot gives way to the next: ``kind`` (one of :data:`TRANSITION_KINDS`) over ``duration`` seconds
    centred on the boundary (ignored for ``cut``)."""

    kind: str = "cut"
    duration: float = 0.5

    def half_frames(self, fps: int) -> int:
        """Frames on each side of the boundary: 0 for a cut, else ``round(duration·fps/2)``, at least 1."""
        if self.kind == "cut":
            return 0
        return max(1, math.floor(self.duration * fps / 2 + 0.5))


@dataclass(frozen=True)
class ShotSettings:
    """Picture options of a render: the transition between shots and the shot length limits (seconds)."""

    transition: Transition = Transition()
    min_shot: float = DEFAULT_MIN_SHOT
    max_shot: float = DEFAULT_MAX_SHOT


def validate_shot_settings(shots: ShotSettings) -> None:
    """Raises :class:`RenderError` for an unknown transition kind, a duration not in ``(0,``
    :data:`MAX_TRANSITION_DURATION` ``]``, or shot limits that are not ``0 < min_shot ≤ max_shot``."""
    t = shots.transition
    if t.kind not in TRANSITION_KINDS:
        raise RenderError(f"Unknown transition {t.kind!r}; use one of {', '.join(TRANSITION_KINDS)}.")
    if not (math.isfinite(t.duration) and 0 < t.duration <= MAX_TRANSITION_DURATION):
        raise RenderError(f"The transition duration {t.duration!r} s must be above 0 and at most 2 s.")
    if not (math.isfinite(shots.min_shot) and math.isfinite(shots.max_shot) and 0 < shots.min_shot <= shots.max_shot):
        raise RenderError(f"The shot lengths {shots.min_shot!r}–{shots.max_shot!r} s are not usable.")


def shot_count(duration: float, images: int, min_shot: float) -> int:
    """How many of a segment's ``images`` are shown in ``duration`` seconds: ``min(images, max(1,
    floor(duration / min_shot)))`` (see the module docstring)."""
    if images <= 1:
        return 1
    # A tiny tolerance so 7.5 s / 2.5 s counts as 3 despite floating point.
    return min(images, max(1, math.floor(duration / min_shot + 1e-9)))


def motion_id(segment_id: str, image_index: int) -> str:
    """The id a shot's Ken Burns move is derived from: the segment id for its first image (so single-image
    segments move as they always did), ``"<segment id>#<n>"`` for image ``n ≥ 1``."""
    return segment_id if image_index == 0 else f"{segment_id}#{image_index}"


@dataclass(frozen=True)
class Shot:
    """One image on screen: image ``image_index`` of segment ``segment_index`` (both 0-based), frames ``[start,
    end)`` of the video, and the half-transitions ``lead_in`` / ``lead_out`` (frames) it shares with the shots before
    and after; ``camera`` is its image's camera settings (the segment's for its first image, ``auto`` for the others).
    Its camera path has :attr:`path_frames` frames and starts at video frame ``start − lead_in``."""

    segment_index: int
    image_index: int
    image_path: Path
    motion_id: str
    start: int
    end: int
    lead_in: int = 0
    lead_out: int = 0
    camera: CameraSettings = CameraSettings()  # noqa: RUF009  (frozen, immutable: one shared default is safe)

    @property
    def frames(self) -> int:
        """Frames between its boundaries."""
        return self.end - self.start

    @property
    def path_frames(self) -> int:
        """Frames of its camera path: its own frames plus both half-transitions."""
        return self.frames + self.lead_in + self.lead_out

    @property
    def path_start(self) -> int:
        """Video frame at which its camera path starts."""
        return self.start - self.lead_in


@dataclass(frozen=True)
class Clip:
    """One cached piece of the video: ``frames`` frames from video frame ``start``.

    ``kind`` ``"shot"``: the body of ``shots[0]`` (path frames ``[start − path_start, …)``); ``"transition"``: the
    ``transition`` kind from ``shots[0]`` to ``shots[1]`` centred on ``shots[1].start``. ``segment_index`` is the
    segment that owns the clip (the shot's, or the outgoing shot's for a transition); ``whole_segment`` is true
    for the body of a single shot that is its whole segment with no transition (the classic segment clip).
    """

    kind: str
    segment_index: int
    start: int
    frames: int
    shots: tuple[Shot, ...]
    transition: str = "cut"
    whole_segment: bool = False

    def path_offset(self, which: int = 0) -> int:
        """Index in ``shots[which]``'s camera path of this clip's first frame."""
        return self.start - self.shots[which].path_start


def _segment_shots(plan: RenderPlan, index: int, span: SegmentSpan, t0: float, shots: ShotSettings) -> list[Shot]:
    seg = plan.segments[index]
    images = (Path(seg.image_path), *(Path(p) for p in seg.extra_images))
    k = shot_count(seg.duration, len(images), shots.min_shot)
    fps = plan.settings.fps
    bounds = [span.start_frame]
    bounds += [math.floor((t0 + j * seg.duration / k) * fps + 0.5) for j in range(1, k)]
    bounds.append(span.end_frame)
    return [
        Shot(
            index,
            j,
            images[j],
            motion_id(seg.segment_id, j),
            bounds[j],
            bounds[j + 1],
            camera=seg.camera if j == 0 else CameraSettings(),
        )
        for j in range(k)
        if bounds[j + 1] > bounds[j]
    ]


def plan_shots(plan: RenderPlan, spans: list[SegmentSpan]) -> list[Shot]:
    """Every shot of the video in order, with its half-transitions (see the module docstring); shots that get no
    frame are left out."""
    shots = plan.shots or ShotSettings()
    flat: list[Shot] = []
    t = 0.0
    for i, span in enumerate(spans):
        flat.extend(_segment_shots(plan, i, span, t, shots))
        t += plan.segments[i].duration
    h = shots.transition.half_frames(plan.settings.fps)
    if h == 0 or len(flat) < 2:
        return flat
    halves = [min(h, a.frames // 2, b.frames // 2) for a, b in itertools.pairwise(flat)]
    out = []
    for n, shot in enumerate(flat):
        lead_in = halves[n - 1] if n > 0 else 0
        lead_out = halves[n] if n < len(halves) else 0
        out.append(Shot(**{**shot.__dict__, "lead_in": lead_in, "lead_out": lead_out}))
    return out


def plan_clips(plan: RenderPlan, spans: list[SegmentSpan]) -> list[Clip]:
    """The clips of the video in order: for every shot its body (when it has frames left) followed by its
    outgoing transition (when it has one). Their frame counts add up to the video's."""
    shots = plan_shots(plan, spans)
    kind = (plan.shots or ShotSettings()).transition.kind
    per_segment: dict[int, int] = {}
    for shot in shots:
        per_segment[shot.segment_index] = per_segment.get(shot.segment_index, 0) + 1
    clips: list[Clip] = []
    for n, shot in enumerate(shots):
        body = shot.frames - shot.lead_in - shot.lead_out
        if body > 0:
            whole = per_segment[shot.segment_index] == 1 and shot.lead_in == 0 and shot.lead_out == 0
            clips.append(Clip("shot", shot.segment_index, shot.start + shot.lead_in, body, (shot,), kind, whole))
        if shot.lead_out > 0:
            nxt = shots[n + 1]
            clips.append(
                Clip("transition", shot.segment_index, shot.end - shot.lead_out, 2 * shot.lead_out, (shot, nxt), kind)
            )
    return clips
