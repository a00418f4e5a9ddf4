"""Cache keys: what decides the bytes of every cache entry (encoded segments, the narration track) and of the
finished video, as SHA-256 hex digests of canonical JSON (:func:`core_engine.render.cache.make_key`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core_engine.camera import CameraSettings, camera_key_fields
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
from core_engine.render.shots import Clip, Shot, plan_clips
from core_engine.render.subtitles import (
    CaptionEvent,
    caption_key_fields,
    clip_caption_events,
    final_captions,
    segment_caption_fields,
    video_caption_events,
)
from core_engine.render_utils import ffmpeg_version

__all__ = [
    "ENGINE_VERSION",
    "PlanKeys",
    "audio_track_key",
    "cache_keys",
    "clip_cache_key",
    "compute_keys",
    "segment_cache_key",
]

#: Bump whenever a change to this engine (camera path, resampling, filters, encoder flags) changes the pixels or
#: bytes it produces: every cached segment is then re-encoded.
ENGINE_VERSION = "2"  # 2: OpenCV frame resampling (the encoder settings are part of every key themselves)


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
    captions = segment_caption_fields(segment, frame_count, settings)
    return _segment_key(image_sha256, segment.segment_id, segment.camera, frame_count, settings, captions)


def _segment_key(
    image_sha256: str,
    motion_id: str,
    camera: CameraSettings,
    frame_count: int,
    settings: RenderSettings,
    captions: dict[str, Any] | None,
) -> str:
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
        "motion": asdict(motion_for(motion_id)),
        "camera": camera_key_fields(camera),
        "encoder": settings.encoder.video_fields(),
    }
    if captions is not None:
        payload["captions"] = captions
    if settings.draft:  # a quick preview's pixels (reduced-scale decode, bilinear prescale); absent otherwise
        payload["draft"] = True
    return make_key(payload)


def _shot_identity(shot: Shot, image_sha256: str) -> dict[str, object]:
    """What decides a shot's camera path and pixels, apart from the output settings."""
    return {
        "image": image_sha256,
        "motion": asdict(motion_for(shot.motion_id)),
        "camera": camera_key_fields(shot.camera),
        "path_frames": shot.path_frames,
    }


def clip_cache_key(
    clip: Clip, settings: RenderSettings, image_sha256: list[str], captions: tuple[CaptionEvent, ...] = ()
) -> str:
    """Cache key (SHA-256 hex) of one clip (:class:`core_engine.render.shots.Clip`); ``image_sha256`` holds the
    content hash of each of ``clip.shots``' images; ``captions`` the caption events burned into the clip (frames
    from its first frame, :func:`core_engine.render.subtitles.clip_caption_events`).

    A shot body is keyed by its image, camera motion, camera path length and the range of the path it shows; a
    transition by its kind and length and both neighbours' (image, motion, path length, offset in the path), so
    changing one image re-encodes only that shot's body and its two transitions. A segment shown as one shot with
    no transition keeps the classic key of :func:`segment_cache_key`. Both also cover the output size, fps, zoom
    intensity, video encoder settings, :data:`ENGINE_VERSION`, the ffmpeg version and, with captions on, the
    caption style and the clip's events (so editing a segment's text re-encodes only the clips showing its captions);
    a quick preview's (``settings.draft``) also say so.
    """
    caption_fields = caption_key_fields(captions, settings)
    if clip.whole_segment:
        shot = clip.shots[0]
        return _segment_key(image_sha256[0], shot.motion_id, shot.camera, clip.frames, settings, caption_fields)
    parts = [
        {**_shot_identity(shot, h), "offset": clip.path_offset(n)}
        for n, (shot, h) in enumerate(zip(clip.shots, image_sha256, strict=True))
    ]
    payload: dict[str, Any] = {
        "kind": clip.kind if clip.kind == "shot" else f"transition:{clip.transition}",
        "engine": ENGINE_VERSION,
        "ffmpeg": ffmpeg_version() or "",
        "frames": int(clip.frames),
        "shots": parts,
        "width": int(settings.width),
        "height": int(settings.height),
        "fps": int(settings.fps),
        "zoom": float(settings.zoom_intensity),
        "encoder": settings.encoder.video_fields(),
    }
    if caption_fields is not None:
        payload["captions"] = caption_fields
    if settings.draft:
        payload["draft"] = True
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
    """Every key of one plan: the timeline, one segment key per segment (``None`` for a segment with no frames;
    the key of its one clip, or a digest of the keys of the clips it owns), the narration track's key, the key of
    the finished video (all of the above), the key of the final audio (narration + music, normalised:
    :func:`core_engine.render.mix.mix_track_key`), the clips in video order with their cache keys, and each clip's
    burned-in caption events (frames from the clip's first frame; empty with captions off)."""

    spans: list[SegmentSpan]
    segment_keys: list[str | None]
    audio_key: str
    final_key: str
    mix_key: str = ""
    clips: list[Clip] = field(default_factory=list)
    clip_keys: list[str] = field(default_factory=list)
    clip_captions: list[tuple[CaptionEvent, ...]] = field(default_factory=list)


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
    image_hashes: dict[Path, str] = {}
    audio_hashes: list[str] = []
    for i, seg in enumerate(plan.segments):
        for path in (seg.image_path, *seg.extra_images):
            image_hashes[Path(path)] = _hash_input(i, Path(path), "image")
        audio_hashes.append(_hash_input(i, seg.audio_path, "narration audio"))
    clips = plan_clips(plan, spans)
    events = video_caption_events(plan, spans)
    clip_captions = [clip_caption_events(events, c.start, c.frames) for c in clips]
    clip_keys = [
        clip_cache_key(c, plan.settings, [image_hashes[Path(s.image_path)] for s in c.shots], ev)
        for c, ev in zip(clips, clip_captions, strict=True)
    ]
    owned: list[list[str]] = [[] for _ in plan.segments]
    for clip, key in zip(clips, clip_keys, strict=True):
        owned[clip.segment_index].append(key)
    segment_keys: list[str | None] = [
        None if not keys else keys[0] if len(keys) == 1 else make_key({"kind": "segment-clips", "clips": keys})
        for keys in owned
    ]
    audio_key = audio_track_key(spans, audio_hashes, plan.settings.encoder)
    mix_key = mix_track_key(plan.mix, audio_key, plan.settings.encoder, plan.settings.draft)
    final: dict[str, Any] = {
        "kind": "final",
        "engine": ENGINE_VERSION,
        "video": [[k, c.frames] for k, c in zip(clip_keys, clips, strict=True)],
        "audio": audio_key,
        "mix": mix_key,
    }
    if plan.settings.captions is not None:  # the soft subtitle track and the sidecar files
        final["subtitles"] = [plan.settings.captions.language, [asdict(c) for c in final_captions(plan, spans)]]
    final_key = make_key(final)
    return PlanKeys(spans, segment_keys, audio_key, final_key, mix_key, clips, clip_keys, clip_captions)


def cache_keys(plan: RenderPlan) -> set[str]:
    """Keys of every cache entry the plan uses (its clips, its narration track and its final audio):
    what :func:`core_engine.render.cache.prune_cache` should keep after rendering this plan.

    Raises:
        RenderError: an input file is missing or a duration unusable.
    """
    keys = compute_keys(plan)
    return set(keys.clip_keys) | {keys.audio_key, keys.mix_key}
