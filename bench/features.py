"""Plan variants for the feature-cost parts of ``render_bench.py``: what a transition, captions or music add.

Each part renders a base plan spec (``story.py``) and the same plan with one feature on, and compares the times:

- **transitions** (issue 12: "a render with crossfades stays within 1.1× the same render with cuts"):
  :func:`transition_pair` — every boundary a cut vs every boundary a :data:`CROSSFADE_SECONDS` crossfade. A
  crossfade costs, per transition frame, a second Ken Burns resample and a blend in the frame thread; the encoder
  sees the same number of frames.
- **sound** (issue 11: "a render with captions and music stays within 1.15× the same render without them"):
  :func:`sound_pair` — no captions and no music vs word-timed captions burned in (sentence mode, the default caption
  style; libass in the encoder's filter graph) and the corpus music ducked under the narration and the mix
  loudness-normalised (``MixSettings`` defaults: −18 dB, ducking on, −14 LUFS).

The captions' text is the first words of each story segment's text (:data:`WORDS_PER_SECOND` of them per second
of narration, a usual narration pace), timed over the trimmed recording by ``core_engine.alignment``'s syllable
spread (the voiced regions of the recording, shared out by syllable count). The recordings do not speak the story
text, so forced alignment would be meaningless here; what matters for the cost is that cues change with the words
as they do in a real render.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

from story import BENCH_AUDIO_RATE, corpus_dir, load_corpus_story

#: Transition length of the crossfade variant, seconds (the product's default transition duration).
CROSSFADE_SECONDS = 0.5
#: Background music of the sound variant (a corpus file).
MUSIC_FILE = "music_01_brahms_hungarian_dance5_ogg_44k_stereo_45.8s.ogg"
#: Narration pace used to cut each segment's caption text to its trimmed recording: 2.5 words/s = 150 words/min,
#: the middle of the usual 140–160 words/min of audiobook narration.
WORDS_PER_SECOND = 2.5
#: Caption mode of the sound variant (``CaptionOptions``' default; the product's first "on" mode).
CAPTION_MODE = "sentence"


def with_transition(plan: dict, kind: str, seconds: float = CROSSFADE_SECONDS) -> dict:
    """A copy of the plan spec with every boundary a ``kind`` transition of ``seconds`` s (``"cut"``: none)."""
    out = copy.deepcopy(plan)
    out["shots"] = {"transition": {"kind": kind, "duration": seconds}}
    return out


def transition_pair(plan: dict) -> tuple[dict, dict]:
    """(every boundary a cut, every boundary a :data:`CROSSFADE_SECONDS` crossfade) of the same plan spec."""
    return with_transition(plan, "cut"), with_transition(plan, "crossfade")


def caption_words(text: str, audio: Path, seconds: float) -> list[dict]:
    """Word timings (``[{"word", "start", "end"}]``, seconds) of the first ``ceil(seconds × WORDS_PER_SECOND)`` words
    of ``text`` spread over the recording ``audio`` (its first ``seconds`` s) by ``spread_by_syllables``."""
    from core_engine.alignment import split_words, spread_by_syllables, timings_to_json
    from core_engine.audio_utils import decode_audio

    tokens = split_words(text)[: max(1, math.ceil(seconds * WORDS_PER_SECOND))]
    samples = decode_audio(audio, BENCH_AUDIO_RATE, 1, max_seconds=seconds)
    return timings_to_json(spread_by_syllables(tokens, samples, BENCH_AUDIO_RATE))


def with_captions_and_music(plan: dict, music: Path | None = None) -> dict:
    """A copy of the plan spec (made by ``story.corpus_plan``, segments in story order) with word-timed captions
    (:data:`CAPTION_MODE`, default style) and ``music`` (default: the corpus's :data:`MUSIC_FILE`) ducked under the
    narration with the default mix settings."""
    story = load_corpus_story()
    out = copy.deepcopy(plan)
    for i, seg in enumerate(out["segments"]):
        words = caption_words(story[i % len(story)].text, Path(seg["audio_path"]), seg["duration"])
        seg["text"] = " ".join(w["word"] for w in words)
        seg["word_timings"] = words
    out["settings"]["captions"] = {"mode": CAPTION_MODE}
    out["mix"] = {"music_path": str(music or corpus_dir() / MUSIC_FILE)}
    return out


def sound_pair(plan: dict) -> tuple[dict, dict]:
    """(no captions, no music; the same plan with captions and music) — see :func:`with_captions_and_music`."""
    return copy.deepcopy(plan), with_captions_and_music(plan)


def caption_count(plan: dict) -> int:
    """Words captioned in a plan spec (0 without captions)."""
    if not plan["settings"].get("captions"):
        return 0
    return sum(len(s.get("word_timings") or []) for s in plan["segments"])


#: Phases of a render's stage breakdown (:func:`stage_seconds`).
PHASES = ("audio", "segments", "join + mux")


def stage_seconds(progress: list, wall_s: float) -> dict[str, float]:
    """Where a render's time went, from its progress callbacks (``[(seconds since start, [segment, total, phase,
    percentage, stage, eta])]`` as ``worker.py`` records them): seconds from the start to the first ``SCENE_BUILD``
    record ("audio": validation, narration track, music mix — the frame thread starts meanwhile), from there to the
    first ``CONCAT``/``FINALIZE`` record ("segments": frames + encode) and from there to the end ("join + mux").
    A phase whose stage never appears gets 0 s (its time goes to the phase before)."""
    firsts: dict[str, float] = {}
    for t, args in progress:
        stage = str(args[4]).split("[")[0] if len(args) > 4 else ""
        stage = "CONCAT" if stage == "FINALIZE" else stage
        firsts.setdefault(stage, float(t))
    join_start = firsts.get("CONCAT", wall_s)
    bounds = (0.0, firsts.get("SCENE_BUILD", join_start), join_start, wall_s)
    return {name: bounds[k + 1] - bounds[k] for k, name in enumerate(PHASES)}
