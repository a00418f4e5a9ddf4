"""Cache keys: what decides the bytes of every cache entry (encoded segments, the narration track) and of the
finished video, as SHA-256 hex digests of canonical JSON (:func:`core_engine.render.cache.make_key`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core_engine.camera import camera_key_fields
from core_engine.ken_burns import motion_for
from core_engine.render.cache import file_sha256, make_key
from core_engine.render.loudness import NARRATION_REF_LUFS
from core_engine.render.mix import mix_track_key
from core_engine.render.plan import (
    AUDIO_CHANNELS,
    EncoderSettings,
    PlanSegment,
    RenderError,
    RenderPlan,
    RenderSettings,
    SegmentSpan,
    plan_timeline,
)
from core_engine.render.subtitles import final_captions, segment_caption_fields
from core_engine.render_utils import ffmpeg_version

__all__ = ["ENGINE_VERSION", "PlanKeys", "audio_track_key", "cache_keys", "compute_keys", "segment_cache_key"]

#: Bump whenever a change to this engine (camera path, resampling, filters, encoder flags) changes the pixels or
#: bytes it produces: every cached segment is then re-encoded.
ENGINE_VERSION = "2"  # 2: OpenCV frame resampling; veryfast + tune psnr encoder


def segment_cache_key(
    segment: PlanSegment, frame_count: int, settings: RenderSettings, image_sha256: str | None = None
) -> str:
    """Cache key (SHA-256 hex) of one encoded segment.

    It covers everything that decides the segment's pixels and bytes: the image file's content hash, the frame
    count, the output size and fps, the zoom intensity, the camera motion derived from the segment id, the segment's
    camera settings (:func:`core_engine.camera.camera_key_fields`), the video encoder settings, :data:`ENGINE_VERSION`
    and the ffmpeg version, and, with captions on, the segment's burned-in caption events and style
    (:func:`~core_engine.render.subtitles.segment_caption_fields`). It does not cover the narration (beyond the frame
    count), the file's name or location, or anything else about the project.

    Raises:
        OSError: the image cannot be read for hashing (when ``image_sha256`` is not given).
    """
    if image_sha256 is None:
        image_sha256 = file_sha256(segment.image_path)
    payload: dict[str, Any] = {
        "kind": "segment",
        "engine": ENGINE_VERSION,
        "ffmpeg": ffmpeg_version() or "",
        "image": image_sha256,
        "frames": int(frame_count),
        "width": int(settings.width),
        "height": int(settings.height),
        "fps": int(settings.fps),
        "zoom": float(settings.zoom_intensity),
        "motion": asdict(motion_for(segment.segment_id)),
        "camera": camera_key_fields(segment.camera),
        "encoder": settings.encoder.video_fields(),
    }
    captions = segment_caption_fields(segment, frame_count, settings)
    if captions is not None:
        payload["captions"] = captions
    return make_key(payload)


def audio_track_key(spans: list[SegmentSpan], audio_sha256: list[str], encoder: EncoderSettings) -> str:
    """Cache key (SHA-256 hex) of the narration track: each audio file's content hash with its sample span, the
    level every segment is brought to, the audio encoder settings, :data:`ENGINE_VERSION` and the ffmpeg
    version."""
    return make_key(
        {
            "kind": "narration",
            "engine": ENGINE_VERSION,
            "ffmpeg": ffmpeg_version() or "",
            "channels": AUDIO_CHANNELS,
            "codec": encoder.audio_codec,
            "bitrate": encoder.audio_bitrate,
            "rate": encoder.audio_sample_rate,
            "level": NARRATION_REF_LUFS,
            "segments": [[h, s.start_sample, s.sample_count] for h, s in zip(audio_sha256, spans, strict=True)],
        }
    )


@dataclass(frozen=True)
class PlanKeys:
    """Every key of one plan: the timeline, one segment key per segment (``None`` for a segment with no frames),
    the narration track's key, the key of the final audio (narration + music, normalised:
    :func:`core_engine.render.mix.mix_track_key`) and the key of the finished video (all of the above)."""

    spans: list[SegmentSpan]
    segment_keys: list[str | None]
    audio_key: str
    final_key: str
    mix_key: str = ""


def _hash_input(index: int, path: Path, what: str) -> str:
    try:
        return file_sha256(path)
    except FileNotFoundError:
        raise RenderError(f"Segment {index + 1}: the {what} file {Path(path).name} is missing.") from None
    except OSError as exc:
        raise RenderError(f"Segment {index + 1}: the {what} file {Path(path).name} cannot be read ({exc}).") from None


def compute_keys(plan: RenderPlan, spans: list[SegmentSpan] | None = None) -> PlanKeys:
    """All keys of ``plan`` (``spans``: its timeline, computed when not given).

    Raises:
        RenderError: an input file is missing or unreadable (naming "Segment N"), or a duration is unusable.
    """
    if spans is None:
        spans = plan_timeline(plan)
    image_hashes: list[str] = []
    audio_hashes: list[str] = []
    for i, seg in enumerate(plan.segments):
        image_hashes.append(_hash_input(i, seg.image_path, "image"))
        audio_hashes.append(_hash_input(i, seg.audio_path, "narration audio"))
    segment_keys = [
        segment_cache_key(seg, span.frame_count, plan.settings, h) if span.frame_count > 0 else None
        for seg, span, h in zip(plan.segments, spans, image_hashes, strict=True)
    ]
    audio_key = audio_track_key(spans, audio_hashes, plan.settings.encoder)
    mix_key = mix_track_key(plan.mix, audio_key, plan.settings.encoder)
    final: dict[str, Any] = {
        "kind": "final",
        "engine": ENGINE_VERSION,
        "video": [[k, s.frame_count] for k, s in zip(segment_keys, spans, strict=True)],
        "audio": audio_key,
        "mix": mix_key,
    }
    if plan.settings.captions is not None:  # the soft subtitle track and the sidecar files
        final["subtitles"] = [plan.settings.captions.language, [asdict(c) for c in final_captions(plan, spans)]]
    final_key = make_key(final)
    return PlanKeys(spans, segment_keys, audio_key, final_key, mix_key)


def cache_keys(plan: RenderPlan) -> set[str]:
    """Keys of every cache entry the plan uses (its segments with at least one frame, its narration track and its
    final audio):
    what :func:`core_engine.render.cache.prune_cache` should keep after rendering this plan.

    Raises:
        RenderError: an input file is missing or a duration unusable.
    """
    keys = compute_keys(plan)
    return {k for k in keys.segment_keys if k is not None} | {keys.audio_key, keys.mix_key}
