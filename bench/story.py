"""Bench inputs: the corpus story, trimmed narration, synthetic fixtures, and the plain-dict plan the workers take.

A *plan spec* is a JSON-able dict mirroring ``core_engine.render.plan.RenderPlan``::

    {"segments": [{"segment_id": str, "image_path": str, "audio_path": str, "duration": float (s)}, ...],
     "settings": {"width": int (px), "height": int (px), "fps": int, "zoom_intensity": float}}

so that every renderer (StoryReel, references) is driven by exactly the same segments. StoryReel-only options
(``features.py`` adds them; the references ignore them): a segment's ``"text"`` and ``"word_timings"``
(``[{"word", "start", "end"}]``, seconds from the segment start), ``settings["captions"]`` (``{"mode": "sentence" |
"word"}``, default caption style), ``"shots"`` (``{"transition": {"kind": str, "duration": float (s)}}``) and
``"mix"`` (``{"music_path": str, ...}``: ``MixSettings`` fields, the rest at their defaults).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "backend"))

from core_engine.audio_utils import decode_audio, probe_audio, write_wav_pcm16  # noqa: E402

#: Sample rate (Hz) of the trimmed narration files the bench writes.
BENCH_AUDIO_RATE = 48000


class CorpusMissing(RuntimeError):
    """The corpus folder (photos + recordings) is not there."""


@dataclass(frozen=True)
class CorpusItem:
    """One story segment of the corpus: a photo and a narration recording (absolute paths), and the segment's
    narration text from ``story.json`` (written for the project: the recordings speak other texts)."""

    image: Path
    audio: Path
    text: str = ""


def corpus_dir() -> Path:
    """``$STORYREEL_CORPUS`` or ``<repo>/../shared/corpus``.

    Raises:
        CorpusMissing: the folder or its ``story.json`` is absent.
    """
    path = Path(os.environ.get("STORYREEL_CORPUS") or (REPO / ".." / "shared" / "corpus")).resolve()
    if not (path / "story.json").is_file():
        raise CorpusMissing(
            f"corpus not found at {path} (expected story.json with photos and recordings); "
            "set STORYREEL_CORPUS to the folder"
        )
    return path


def load_corpus_story() -> list[CorpusItem]:
    """The segments of ``story.json`` in order (8 in the shipped corpus), with resolved file paths."""
    root = corpus_dir()
    story = json.loads((root / "story.json").read_text())
    items = []
    for seg in story["segments"]:
        image, audio = _find(root, seg["image"]), _find(root, seg["audio"])
        items.append(CorpusItem(image=image, audio=audio, text=seg.get("text_content", "")))
    return items


def corpus_photos() -> list[Path]:
    """Every photo of the corpus (top level, then ``more/``), sorted by name."""
    root = corpus_dir()
    return sorted(root.glob("photo_*")) + sorted((root / "more").glob("photo_*"))


def _find(root: Path, name: str) -> Path:
    for cand in (root / name, root / "more" / name):
        if cand.is_file():
            return cand
    raise CorpusMissing(f"corpus file {name} is missing from {root}")


def trimmed_audio(src: Path, seconds: float, work: Path) -> tuple[Path, float]:
    """Decode a recording and write its first ``seconds`` s as a 48 kHz mono 16-bit WAV in ``work``.

    Returns (path, exact duration in seconds as measured by ``probe_audio``). The file is re-used if present.
    """
    out = work / f"{src.stem}__{seconds:.3f}s.wav"
    if not out.is_file():
        samples = decode_audio(src, BENCH_AUDIO_RATE, 1, max_seconds=seconds)
        write_wav_pcm16(out, samples[: round(seconds * BENCH_AUDIO_RATE)], BENCH_AUDIO_RATE)
    return out, probe_audio(out).duration


def tone_wav(path: Path, seconds: float, freq: float = 440.0) -> float:
    """Write a quiet sine tone of ``seconds`` s (48 kHz mono WAV); returns its exact duration in seconds."""
    n = round(seconds * BENCH_AUDIO_RATE)
    t = np.arange(n) / BENCH_AUDIO_RATE
    write_wav_pcm16(path, (0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32), BENCH_AUDIO_RATE)
    return n / BENCH_AUDIO_RATE


def solid_png(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (640, 360)) -> Path:
    """Write a single-colour PNG."""
    Image.new("RGB", size, rgb).save(path)
    return path


def settings_spec(width: int, height: int, fps: int, zoom_intensity: float = 1.3) -> dict:
    """Render settings as a plain dict (encoder settings are the engine's production defaults)."""
    return {"width": width, "height": height, "fps": fps, "zoom_intensity": zoom_intensity}


def segment_spec(segment_id: str, image: Path, audio: Path, duration: float) -> dict:
    """One plan segment as a plain dict; ``duration`` in seconds."""
    return {"segment_id": segment_id, "image_path": str(image), "audio_path": str(audio), "duration": float(duration)}


def corpus_plan(
    n_segments: int,
    seconds: float,
    settings: dict,
    work: Path,
    images: list[Path] | None = None,
    prefix: str = "seg",
    cycle: int | None = None,
) -> dict:
    """A plan of ``n_segments`` corpus segments (cycling through the story), each narration trimmed to ``seconds``.

    ``cycle`` limits the cycling to the story's first ``cycle`` segments (so that plans of different lengths use the
    same photos). ``images`` overrides the photo of each segment (cycled) when given. Segment ids are stable
    (``<prefix>-<index>``), so the engine's per-segment camera direction is the same on every run.
    """
    story = load_corpus_story()[:cycle]
    segs = []
    for i in range(n_segments):
        item = story[i % len(story)]
        image = images[i % len(images)] if images else item.image
        audio, dur = trimmed_audio(item.audio, seconds, work)
        segs.append(segment_spec(f"{prefix}-{i:03d}", image, audio, dur))
    return {"segments": segs, "settings": settings}


def plan_duration(plan: dict) -> float:
    """Total narration time of a plan spec, seconds."""
    return float(sum(s["duration"] for s in plan["segments"]))


def plan_frames(plan: dict) -> int:
    """Frames the video must have: ``round(total_duration * fps)`` (frame boundaries from cumulative time)."""
    return round(plan_duration(plan) * plan["settings"]["fps"])


def segment_frame_ranges(plan: dict) -> list[tuple[int, int]]:
    """[start, end) frame index of every segment, from cumulative narration time (never rounded per segment)."""
    fps = plan["settings"]["fps"]
    out, t = [], 0.0
    for s in plan["segments"]:
        start = round(t * fps)
        t += s["duration"]
        out.append((start, round(t * fps)))
    return out
