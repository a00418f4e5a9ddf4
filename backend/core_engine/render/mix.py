"""The final audio of a video: the narration track, the background music under it, normalised loudness.

What it does, in order (all inside ffmpeg but the gain envelope):

1. **Levels.** The narration track's integrated loudness ``L_n`` and the music file's ``L_m`` are measured with
   ffmpeg's ``ebur128`` (ITU-R BS.1770). The music is set so that its loudness is ``music_volume`` dB relative to
   the narration (``L_n + music_volume``), whatever level it was mastered at.
2. **Music bed.** The music is looped (``-stream_loop -1``) or trimmed to the narration track's exact sample count,
   fades in over :data:`FADE_IN_SECONDS` and out over :data:`FADE_OUT_SECONDS` (both shortened to a quarter of a
   very short video).
3. **Ducking** (:func:`duck_envelope`). A gain envelope is computed from where the narration actually speaks
   (20 ms blocks of the decoded narration louder than ``L_n − 20`` dB): while it speaks the music sits at
   :func:`ducked_level` = ``min(music_volume − 9, −18)`` dB relative to the narration — at least 18 dB below it,
   so the required 15 dB hold with 3 LU to spare for louder passages of the music — and in pauses it returns to
   ``music_volume``. The envelope looks ahead (the music is already down when a word starts: attack
   :data:`ATTACK_SECONDS` before the onset), holds :data:`HOLD_SECONDS` across the short gaps between words and
   sentences (no pumping), then releases over :data:`RELEASE_SECONDS`, so a real pause gets the music back in
   :data:`HOLD_SECONDS` + :data:`RELEASE_SECONDS` = 0.85 s. It is streamed to ffmpeg as a 48 kHz signal and
   applied with ``amultiply``.

   Why an envelope rather than ffmpeg's ``sidechaincompress`` with the narration as side chain: a compressor's
   gain reduction is ``(level − threshold)·(1 − 1/ratio)``, so it depends on how loud each syllable is (quiet
   words get less ducking, loud ones bury the music) and it can only react *after* a word starts (the first
   syllable is masked by full-level music for the attack time). Measured on a syllable-like test narration whose
   level swings ±8 dB (300 Hz bursts at 4 Hz) over a 1 kHz "music" tone, music level under the narration's
   loudness while it speaks: this envelope 26.0–28.2 dB (spread 2.2 dB); ``sidechaincompress`` (ratio 20,
   attack 20 ms, release 500 ms) 19.8–37.5 dB at threshold −40 dBFS and 29.3–47.5 dB at −50 dBFS (spread ~18 dB:
   the music pumps with every syllable). Both return in a pause within 0.6–0.8 s. The envelope gives a constant,
   predictable depth and looks ahead, because the whole narration is known before the mix.
4. **Loudness.** The mix (``amix`` with ``normalize=0``: the narration keeps its level) is measured, brought to
   the project's target (−14 LUFS by default; −16 or −23) by one gain, and its peaks are held at
   :data:`LIMIT_DBTP` by ``alimiter`` running at 192 kHz (4× oversampling, so sample peaks there are true peaks
   of the 48 kHz result; the margin below −1 dBTP covers the AAC encoder's overshoot). The encoded result is
   measured again and, if the limiter took more than :data:`LOUDNESS_TOLERANCE_LU` off, encoded once more with
   the gain corrected. Without music only this step runs.

   A quick preview (``draft``) is finished in one pass: the limiter runs at the output rate (sample peaks, not true
   peaks) and the encoded result is neither measured again nor corrected, so its loudness may miss the target by
   what the limiter took off (typically under 1 LU) — two to three ffmpeg runs fewer, and no 192 kHz limiter
   (about 0.6 s of CPU per 15 s of audio). Levels, music bed and ducking are the full render's.

The result is its own cache entry (:func:`mix_track_key`: the narration track's key, the music file's hash,
volume, ducking, target), so changing only the music re-mixes and re-muxes the audio and no segment is
re-encoded. Its length is exactly the narration track's (``apad``/``atrim`` on samples): timing is untouched.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core_engine.audio_utils import AudioError, decode_audio
from core_engine.render.cache import AUDIO_EXT, SegmentCache, file_sha256, make_key
from core_engine.render.ffmpeg import FFmpegProcess, ffmpeg_command, strip_folders
from core_engine.render.loudness import TICK_INTERVAL, Loudness, measure_file, measure_stream
from core_engine.render.plan import AUDIO_CHANNELS, EncoderSettings, RenderError
from core_engine.render.progress import ProgressTracker, Stage

__all__ = [
    "ATTACK_SECONDS",
    "FADE_IN_SECONDS",
    "FADE_OUT_SECONDS",
    "HOLD_SECONDS",
    "LIMIT_DBTP",
    "LOUDNESS_TARGETS",
    "LOUDNESS_TOLERANCE_LU",
    "MIX_VERSION",
    "RELEASE_SECONDS",
    "MixSettings",
    "build_mix",
    "duck_envelope",
    "ducked_level",
    "ensure_mix",
    "finish_chain",
    "mix_track_key",
    "voice_activity",
]

#: Bump when a change here changes the mixed audio: every mix entry is then rebuilt.
MIX_VERSION = "1"
#: Loudness targets a project may choose (LUFS integrated): streaming platforms (−14), podcasts / Apple (−16),
#: broadcast EBU R 128 (−23).
LOUDNESS_TARGETS = (-14.0, -16.0, -23.0)
#: Highest true peak of the mix before AAC encoding, dBTP (−1 dBTP is the requirement for the encoded file).
LIMIT_DBTP = -2.0
#: A final loudness further than this from the target (LU) is corrected by a second encode.
LOUDNESS_TOLERANCE_LU = 0.3
#: Music fade-in and fade-out, seconds.
FADE_IN_SECONDS = 1.5
FADE_OUT_SECONDS = 2.0
#: Ducking envelope timing, seconds: look-ahead attack, hold across short gaps, release in a pause.
ATTACK_SECONDS = 0.15
HOLD_SECONDS = 0.35
RELEASE_SECONDS = 0.5
#: Blocks of the voice-activity detection (seconds) and their threshold below the narration's loudness (dB).
ACTIVITY_BLOCK_SECONDS = 0.02
ACTIVITY_THRESHOLD_DB = 20.0
#: Sample rate (Hz) the narration is decoded at for voice-activity detection.
ACTIVITY_RATE = 8000
#: The ducked music is at least this far below the narration (dB), and at least this much below its own level.
DUCK_FLOOR_DB = -18.0
DUCK_DEPTH_DB = 9.0
#: Samples of the gain envelope written to ffmpeg at a time.
_CHUNK = 48000

_Tick = Callable[[], None] | None


@dataclass(frozen=True)
class MixSettings:
    """How a plan's audio is finished.

    Attributes:
        music_path: the background music file (any format ffmpeg decodes), or ``None`` for none.
        music_volume: the music's loudness relative to the narration's, in dB (LU), where it plays at full level
            (pauses, or always with ``ducking`` off); default −18.
        ducking: lower the music under the narration (:func:`ducked_level`).
        loudness_target: integrated loudness of the final mix, LUFS (one of :data:`LOUDNESS_TARGETS`).
    """

    music_path: Path | None = None
    music_volume: float = -18.0
    ducking: bool = True
    loudness_target: float = -14.0


def ducked_level(music_volume: float) -> float:
    """The music's level (dB relative to the narration's loudness) while the narration speaks:
    ``min(music_volume − DUCK_DEPTH_DB, DUCK_FLOOR_DB)``, i.e. an audible dip of at least 9 dB and never less than
    18 dB under the voice (the product requirement is 15 dB; 3 LU are kept for the music's own dynamics)."""
    return min(music_volume - DUCK_DEPTH_DB, DUCK_FLOOR_DB)


def mix_track_key(mix: MixSettings | None, narration_key: str, encoder: EncoderSettings, draft: bool = False) -> str:
    """Cache key (SHA-256 hex) of the final audio: the narration track's key, the music file's content hash (or
    none), volume, ducking, loudness target, the audio encoder settings and :data:`MIX_VERSION`; and ``draft``
    (the one-pass quick preview mix) when set.

    Raises:
        RenderError: the music file is missing or unreadable.
    """
    mix = mix or MixSettings()
    music = None
    if mix.music_path is not None:
        try:
            music = file_sha256(mix.music_path)
        except OSError:
            raise RenderError(f"The music file {Path(mix.music_path).name} is missing or unreadable.") from None
    payload: dict[str, object] = {
        "kind": "mix",
        "version": MIX_VERSION,
        "narration": narration_key,
        "music": music,
        "volume": float(mix.music_volume),
        "ducking": bool(mix.ducking) if music else None,
        "target": float(mix.loudness_target),
        "codec": encoder.audio_codec,
        "bitrate": encoder.audio_bitrate,
        "rate": encoder.audio_sample_rate,
    }
    if draft:
        payload["draft"] = True
    return make_key(payload)


def voice_activity(narration: npt.NDArray[np.float32], rate: int, loudness: float) -> npt.NDArray[np.bool_]:
    """Where the narration speaks: one flag per :data:`ACTIVITY_BLOCK_SECONDS` block of mono ``narration`` (at
    ``rate`` Hz), true when the block's RMS level (dBFS) is above ``loudness − ACTIVITY_THRESHOLD_DB``."""
    block = max(1, round(ACTIVITY_BLOCK_SECONDS * rate))
    n = math.ceil(narration.shape[0] / block)
    padded = np.zeros(n * block, dtype=np.float64)
    padded[: narration.shape[0]] = narration
    power = (padded.reshape(n, block) ** 2).mean(axis=1)
    threshold = 10.0 ** ((loudness - ACTIVITY_THRESHOLD_DB) / 10.0)
    return np.asarray(power > threshold, dtype=np.bool_)


def duck_envelope(
    active: npt.NDArray[np.bool_], block_seconds: float = ACTIVITY_BLOCK_SECONDS
) -> npt.NDArray[np.float64]:
    """How far the music is ducked, 0 (full level) … 1 (fully ducked), per block of ``active`` (voice activity).

    ``d = max(hold-and-release, attack)``: after a speaking block the amount stays 1 for :data:`HOLD_SECONDS`,
    then falls linearly to 0 over :data:`RELEASE_SECONDS`; before a speaking block it rises linearly from 0 over
    :data:`ATTACK_SECONDS`, reaching 1 at the onset (look-ahead).
    """
    n = active.shape[0]
    hold = round(HOLD_SECONDS / block_seconds)
    release_step = block_seconds / RELEASE_SECONDS
    attack_step = block_seconds / ATTACK_SECONDS
    after = np.zeros(n)
    level, since = 0.0, hold + 1
    for k in range(n):
        if active[k]:
            level, since = 1.0, 0
        else:
            since += 1
            if since > hold:
                level = max(0.0, level - release_step)
        after[k] = level
    before = np.zeros(n)
    level = 0.0
    for k in range(n - 1, -1, -1):
        level = 1.0 if active[k] else max(0.0, level - attack_step)
        before[k] = level
    return np.maximum(after, before)


def _gain_chunks(gain_db: npt.NDArray[np.float64], block_seconds: float, rate: int, total: int) -> Iterator[bytes]:
    """The envelope (dB per block, block centres) as linear gain at ``rate`` Hz, ``total`` samples of mono
    little-endian float32, in chunks (linear interpolation in dB between block centres)."""
    centres = (np.arange(gain_db.shape[0]) + 0.5) * block_seconds
    for start in range(0, total, _CHUNK):
        t = np.arange(start, min(start + _CHUNK, total)) / rate
        db = np.interp(t, centres, gain_db)
        yield (10.0 ** (db / 20.0)).astype("<f4").tobytes()


def _fade_seconds(total_seconds: float) -> tuple[float, float]:
    return min(FADE_IN_SECONDS, total_seconds / 4), min(FADE_OUT_SECONDS, total_seconds / 4)


@dataclass(frozen=True)
class _Graph:
    """An ffmpeg input list and filter graph (output ``[pre]``: the mix before loudness) plus the gain envelope
    fed on stdin (empty without music)."""

    inputs: list[str]
    graph: str
    envelope: npt.NDArray[np.float64] | None


def _music_graph(narration_file: Path, mix: MixSettings, samples: int, rate: int, tick: _Tick) -> _Graph:
    """Inputs and graph of narration + ducked music (see the module docstring)."""
    assert mix.music_path is not None
    narration_level = measure_file(narration_file, tick=tick)
    music_level = measure_file(mix.music_path, tick=tick)
    if not music_level.measurable:
        raise RenderError(f"The music file {Path(mix.music_path).name} is silent.")
    reference = narration_level.integrated if narration_level.measurable else -23.0
    base = reference + mix.music_volume - music_level.integrated  # dB applied to the music file
    if mix.ducking and narration_level.measurable:
        try:
            voice = decode_audio(narration_file, ACTIVITY_RATE, 1)
        except AudioError as exc:
            raise RenderError(f"The narration track could not be read ({strip_folders(str(exc))}).") from None
        amount = duck_envelope(voice_activity(voice, ACTIVITY_RATE, reference))
        envelope = base + amount * (ducked_level(mix.music_volume) - mix.music_volume)
    else:
        envelope = np.full(max(1, math.ceil(samples / rate / ACTIVITY_BLOCK_SECONDS)), base)
    seconds = samples / rate
    fade_in, fade_out = _fade_seconds(seconds)
    inputs = [
        "-i", str(narration_file),
        "-stream_loop", "-1", "-i", str(mix.music_path),
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
    ]  # fmt: skip
    fmt = f"aformat=sample_fmts=flt:channel_layouts=stereo,aresample={rate}"
    graph = (
        f"[0:a]{fmt}[n];"
        f"[1:a]{fmt},atrim=end_sample={samples},asetpts=N/SR/TB,"
        f"afade=t=in:d={fade_in:.3f},afade=t=out:st={seconds - fade_out:.6f}:d={fade_out:.3f}[m];"
        f"[2:a]pan=stereo|c0=c0|c1=c0[g];"
        f"[m][g]amultiply[bed];"
        f"[n][bed]amix=inputs=2:duration=first:normalize=0[pre]"
    )
    return _Graph(inputs, graph, envelope)


def _narration_graph(narration_file: Path, rate: int) -> _Graph:
    return _Graph(
        ["-i", str(narration_file)],
        f"[0:a]aformat=sample_fmts=flt:channel_layouts=stereo,aresample={rate}[pre]",
        None,
    )


def _feed(graph: _Graph, samples: int, rate: int, tick: _Tick) -> Iterator[bytes]:
    if graph.envelope is None:
        return
    for chunk in _gain_chunks(graph.envelope, ACTIVITY_BLOCK_SECONDS, rate, samples):
        if tick is not None:
            tick()
        yield chunk


def finish_chain(gain_db: float, samples: int, rate: int, oversample: bool = True) -> str:
    """The ffmpeg filter chain that finishes the audio: the loudness gain (dB), the peak limiter at
    :data:`LIMIT_DBTP` (4× oversampled, i.e. true peaks, unless ``oversample`` is false: sample peaks, the quick
    preview), then padded or cut to exactly ``samples`` at ``rate`` Hz."""
    limit = 10.0 ** (LIMIT_DBTP / 20.0)
    limiter = f"alimiter=limit={limit:.5f}:attack=1:release=60:level=false:latency=true"
    if oversample:
        limiter = f"aresample={4 * rate},{limiter},aresample={rate}"
    return f"volume={gain_db:.4f}dB,{limiter},apad=whole_len={samples},atrim=end_sample={samples}"


def _encode(
    graph: _Graph,
    gain_db: float,
    samples: int,
    encoder: EncoderSettings,
    temp: Path,
    tick: _Tick,
    oversample: bool = True,
) -> None:
    """Run the graph with the loudness gain and the limiter into an AAC file of exactly ``samples``; the limiter
    runs 4× oversampled (true peaks) unless ``oversample`` is false (sample peaks: the quick preview)."""
    rate = encoder.audio_sample_rate
    chain = f"{graph.graph};[pre]{finish_chain(gain_db, samples, rate, oversample)}[out]"
    cmd = ffmpeg_command(
        "-y", *graph.inputs, "-filter_complex", chain, "-map", "[out]",
        "-c:a", encoder.audio_codec, "-b:a", encoder.audio_bitrate, "-ar", str(rate), "-ac", str(AUDIO_CHANNELS),
        "-f", "mp4", str(temp),
    )  # fmt: skip
    proc = FFmpegProcess(cmd)
    try:
        with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped reading (ended or failed): its status tells
            proc.write(_feed(graph, samples, rate, tick))
        rc, err = proc.finish(tick, interval=TICK_INTERVAL)
    except BaseException:
        proc.kill()
        raise
    if rc != 0 or not temp.is_file():
        raise RenderError(f"The audio could not be mixed ({err}).")


def build_mix(
    narration_file: Path,
    mix: MixSettings | None,
    samples: int,
    encoder: EncoderSettings,
    cache: SegmentCache,
    key: str,
    tick: _Tick = None,
    draft: bool = False,
) -> tuple[Path, Loudness]:
    """Mix ``narration_file`` (the narration track, ``samples`` per channel at the encoder's rate) with the music
    of ``mix`` and normalise it (module docstring); returns the published cache entry (AAC in MP4, exactly
    ``samples`` long) and its measured loudness. ``tick()`` is called about every 0.1 s while ffmpeg works; an
    exception from it (e.g. ``RenderCancelled``) kills ffmpeg, removes the temporary file and propagates. With
    ``draft`` the mix is made in one pass (module docstring) and the loudness returned is the one aimed at (the
    measured input plus the gain applied), not measured; its true peak is ``-inf``.

    Raises:
        RenderError: the music or narration cannot be decoded or is silent (music), or ffmpeg fails.
    """
    mix = mix or MixSettings()
    rate = encoder.audio_sample_rate
    if mix.music_path is not None:
        graph = _music_graph(narration_file, mix, samples, rate, tick)
    else:
        graph = _narration_graph(narration_file, rate)
    measured = measure_stream(graph.inputs, _feed(graph, samples, rate, tick), graph.graph, tick)
    gain = mix.loudness_target - measured.integrated if measured.measurable else 0.0
    temp = cache.temp_path(key, AUDIO_EXT)
    if draft:
        try:
            _encode(graph, gain, samples, encoder, temp, tick, oversample=False)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return cache.publish(temp, key, AUDIO_EXT), Loudness(measured.integrated + gain, -math.inf)
    try:
        _encode(graph, gain, samples, encoder, temp, tick)
        result = measure_file(temp, tick=tick)
        error = mix.loudness_target - result.integrated
        if measured.measurable and result.measurable and abs(error) > LOUDNESS_TOLERANCE_LU:
            _encode(graph, gain + error, samples, encoder, temp, tick)
            result = measure_file(temp, tick=tick)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return cache.publish(temp, key, AUDIO_EXT), result


def ensure_mix(
    narration_file: Path,
    mix: MixSettings | None,
    samples: int,
    encoder: EncoderSettings,
    cache: SegmentCache,
    key: str,
    progress: ProgressTracker | None = None,
    draft: bool = False,
) -> Path:
    """The final audio's cache entry, built with :func:`build_mix` (one pass with ``draft``) only when not cached
    yet (idempotent); reports ``AUDIO_PREP`` "Mixing music and narration" / "Normalising loudness" before
    building."""
    cached = cache.get(key, AUDIO_EXT)
    if cached is not None:
        return cached
    if progress is not None:
        what = "Mixing music and narration" if mix is not None and mix.music_path else "Normalising loudness"
        progress.report(progress.record.current_segment, what, Stage.AUDIO_PREP)
    tick = progress.keep_alive if progress is not None else None
    path, _ = build_mix(narration_file, mix, samples, encoder, cache, key, tick, draft)
    return path
