"""Background music, ducking and loudness (:mod:`core_engine.render.mix`), checked on real small renders
(320×180 at 12 fps) decoded and measured with ffmpeg (``ebur128``: ITU-R BS.1770 loudness and true peak)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from core_engine.audio_utils import decode_audio, write_wav_pcm16
from core_engine.render.cache import VIDEO_EXT
from core_engine.render.keys import compute_keys
from core_engine.render.mix import (
    ATTACK_SECONDS,
    HOLD_SECONDS,
    RELEASE_SECONDS,
    MixSettings,
    duck_envelope,
    ducked_level,
)
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderError, RenderPlan
from core_engine.render_utils import require_ffmpeg
from core_engine.tests.render.helpers import (
    FPS,
    change_frames,
    decode_frames,
    ebur128,
    expected_boundaries,
    make_tone,
    solid_plan,
)

RATE = 48000
MUSIC_HZ = 1000.0
WINDOW = 0.1  # seconds per analysis window (10 Hz FFT bins: every test tone sits exactly on a bin)


def _music(path: Path, seconds: float = 4.0, amp: float = 0.5) -> Path:
    """A 1 kHz tone as the "music" (shorter than the videos, so it has to loop)."""
    make_tone(path, seconds, freq=MUSIC_HZ, rate=RATE, amp=amp)
    return path


def _tone_levels(audio: np.ndarray, freq: float) -> np.ndarray:
    """RMS level (dBFS) of the ``freq`` component of mono ``audio`` in consecutive :data:`WINDOW` windows."""
    n = round(WINDOW * RATE)
    windows = audio[: audio.shape[0] // n * n].reshape(-1, n).astype(np.float64)
    spectrum = np.fft.rfft(windows * np.hanning(n), axis=1)
    amplitude = 2 * np.abs(spectrum[:, round(freq * WINDOW)]) / (n / 2)  # Hann window's coherent gain is 1/2
    return np.asarray(20 * np.log10(np.maximum(amplitude / np.sqrt(2), 1e-9)))


def _window(t0: float, t1: float) -> slice:
    return slice(round(t0 / WINDOW), round(t1 / WINDOW))


def _measure_span(path: Path, start: float, seconds: float) -> float:
    return ebur128(path, start, seconds)[0]


def _pause_plan(folder: Path, music: MixSettings | None) -> RenderPlan:
    """3 s of narration (300 Hz), a 2.5 s silent segment (a pause), 3 s of narration (380 Hz)."""
    plan = solid_plan(folder, [3.0, 2.5, 3.0])
    segs = list(plan.segments)
    silent = make_tone(folder / "silence.wav", 2.5, amp=0.0)
    segs[1] = PlanSegment("pause", segs[1].image_path, folder / "silence.wav", silent)
    return RenderPlan(tuple(segs), plan.settings, mix=music)


def test_music_ducks_under_the_narration_and_comes_back_in_a_pause(tmp_path: Path) -> None:
    plan = _pause_plan(tmp_path, MixSettings(_music(tmp_path / "music.wav")))
    out = tmp_path / "final.mp4"
    result = render_plan(plan, out)

    # Timing untouched: same frame count and cuts as without music, audio exactly as long as the narration.
    boundaries, n_expected = expected_boundaries(plan)
    frames = decode_frames(out)
    assert result.frame_count == frames.shape[0] == n_expected
    assert change_frames(frames) == [int(np.floor(t * FPS + 0.5)) for t in boundaries]
    audio = decode_audio(out, RATE, 1)
    assert abs(audio.shape[0] / RATE - 8.5) < 0.01

    # Loudness of the whole file: −14 LUFS ± 1, true peak ≤ −1 dBTP.
    integrated, true_peak = ebur128(out)
    assert abs(integrated - -14.0) <= 1.0 and true_peak <= -1.0, (integrated, true_peak)

    voice = np.maximum(_tone_levels(audio, 300.0), _tone_levels(audio, 380.0))
    music = _tone_levels(audio, MUSIC_HZ)
    speaking = np.r_[np.arange(0, 30), np.arange(55, 85)]  # windows inside the two narrated segments
    gap = voice[speaking] - music[speaking]
    assert gap.min() >= 15.0, gap.min()  # ≥ 15 dB under the voice for the whole time it speaks
    # The look-ahead: the music is already down in the window where the second narration starts.
    assert voice[55] - music[55] >= 15.0
    # In the pause it comes back to music_volume (−18 dB) relative to the narration, within about a second.
    plateau = music[_window(4.2, 5.3)]
    assert np.ptp(plateau) < 1.0
    assert abs(plateau.mean() - (voice[speaking].mean() - 18.0)) < 1.5
    assert music[_window(3.0 + HOLD_SECONDS + RELEASE_SECONDS, 3.0 + HOLD_SECONDS + RELEASE_SECONDS + 0.1)][0] >= (
        plateau.mean() - 1.0
    )
    assert music[_window(3.0 + 1.0, 3.1 + 1.0)][0] >= plateau.mean() - 1.0  # back within 1 s of the voice stopping
    # How deep it dips: the ducked level is music_volume − 9 dB = −27 dB under the voice (±1.5 dB).
    assert abs(np.median(gap[5:25]) - -ducked_level(-18.0)) < 1.5
    # Fades: quiet at the very start and end.
    assert music[0] < plateau.mean() - 15 and music[-1] < plateau.mean() - 15


def test_without_ducking_the_music_stays_at_its_volume(tmp_path: Path) -> None:
    plan = _pause_plan(tmp_path, MixSettings(_music(tmp_path / "music.wav"), music_volume=-12.0, ducking=False))
    out = tmp_path / "final.mp4"
    render_plan(plan, out)
    audio = decode_audio(out, RATE, 1)
    voice = np.maximum(_tone_levels(audio, 300.0), _tone_levels(audio, 380.0))
    music = _tone_levels(audio, MUSIC_HZ)
    steady = np.r_[np.arange(16, 30), np.arange(55, 64)]
    assert np.all(np.abs(voice[steady] - music[steady] - 12.0) < 1.5), voice[steady] - music[steady]
    assert np.ptp(music[_window(1.6, 6.3)]) < 1.0  # no dip anywhere between the fades


def test_segments_recorded_at_different_levels_come_out_equally_loud(tmp_path: Path) -> None:
    """Narrations 26 dB apart (and a silent one) come out within ±1 LU of each other; the file is at −14 LUFS."""
    plan = solid_plan(tmp_path, [2.0, 2.0, 2.0])
    segs = list(plan.segments)
    amps = [0.6, 0.03, 0.2]
    for i, amp in enumerate(amps):
        dur = make_tone(tmp_path / f"lvl{i}.wav", 2.0, freq=300 + 80 * i, amp=amp)
        segs[i] = PlanSegment(f"lvl-{i}", segs[i].image_path, tmp_path / f"lvl{i}.wav", dur)
    out = tmp_path / "final.mp4"
    render_plan(RenderPlan(tuple(segs), plan.settings), out)
    levels = [_measure_span(out, 2.0 * i + 0.05, 1.9) for i in range(3)]
    assert max(levels) - min(levels) <= 1.0, levels
    integrated, true_peak = ebur128(out)
    assert abs(integrated - -14.0) <= 1.0 and true_peak <= -1.0, (integrated, true_peak)


def _scaled_copy(src: Path, dst: Path, gain_db: float) -> Path:
    subprocess.run(
        [require_ffmpeg(), "-v", "error", "-y", "-i", str(src), "-af", f"volume={gain_db}dB", "-ar", "48000", str(dst)],
        check=True,
    )
    return dst


def test_real_recordings_at_different_levels_with_real_music(tmp_path: Path, corpus: Path) -> None:
    """Corpus speech (one copy 15 dB quieter) under the corpus Brahms: per-segment loudness within ±1 LU, the file
    at the target, true peak ≤ −1 dBTP; with the −23 LUFS target too."""
    speech = [
        corpus / "speech_01_female_ljspeech_wav_pcm16_22k_mono_9.7s.wav",
        _scaled_copy(corpus / "speech_02_male_librivox_poem_flac16_44k_mono_9.4s.flac", tmp_path / "quiet.wav", -15),
        corpus / "speech_03_female_librivox_potter_mp3_48k_stereo_9.9s.mp3",
    ]
    music = corpus / "music_01_brahms_hungarian_dance5_ogg_44k_stereo_45.8s.ogg"
    base = solid_plan(tmp_path, [1.0, 1.0, 1.0])
    segs = []
    for i, path in enumerate(speech):
        duration = decode_audio(path, RATE, 1).shape[0] / RATE
        segs.append(PlanSegment(f"speech-{i}", base.segments[i].image_path, path, duration))
    starts = np.cumsum([0.0] + [s.duration for s in segs])
    for target in (-14.0, -23.0):
        out = tmp_path / f"final{int(-target)}.mp4"
        render_plan(RenderPlan(tuple(segs), base.settings, mix=MixSettings(music, loudness_target=target)), out)
        integrated, true_peak = ebur128(out)
        assert abs(integrated - target) <= 1.0 and true_peak <= -1.0, (target, integrated, true_peak)
        levels = [_measure_span(out, starts[i], segs[i].duration) for i in range(3)]
        assert max(levels) - min(levels) <= 1.0, levels


def test_changing_only_the_music_re_encodes_no_segment(tmp_path: Path) -> None:
    plan = _pause_plan(tmp_path, MixSettings(_music(tmp_path / "a.wav")))
    cache = tmp_path / "cache"
    out = tmp_path / "final.mp4"
    first = render_plan(plan, out, cache_dir=cache)
    assert (first.rendered_segments, first.reused_segments) == (3, 0)
    keys = compute_keys(plan)
    entries = [cache / f"{k}{VIDEO_EXT}" for k in keys.segment_keys if k is not None]
    stamps = [p.stat().st_mtime_ns for p in entries]
    audio_before = decode_audio(out, RATE, 1)

    other = _music(tmp_path / "b.wav", seconds=3.0, amp=0.2)
    changes = [
        MixSettings(other),
        MixSettings(other, music_volume=-10.0),
        MixSettings(other, music_volume=-10.0, ducking=False),
        MixSettings(other, music_volume=-10.0, ducking=False, loudness_target=-16.0),
        None,
    ]
    for mix in changes:
        changed = RenderPlan(plan.segments, plan.settings, mix=mix)
        new_keys = compute_keys(changed)
        assert new_keys.segment_keys == keys.segment_keys and new_keys.audio_key == keys.audio_key
        assert new_keys.mix_key != keys.mix_key and new_keys.final_key != keys.final_key
        result = render_plan(changed, out, cache_dir=cache)
        assert (result.rendered_segments, result.reused_segments) == (0, 3), mix
        assert result.frame_count == first.frame_count
    assert [p.stat().st_mtime_ns for p in entries] == stamps  # not one segment written again
    audio_after = decode_audio(out, RATE, 1)
    assert audio_after.shape == audio_before.shape
    # The last render has no music at all.
    assert _tone_levels(audio_after, MUSIC_HZ).max() < _tone_levels(audio_before, MUSIC_HZ).max() - 40
    # Rendering the same plan again is a no-op.
    again = render_plan(RenderPlan(plan.segments, plan.settings, mix=None), out, cache_dir=cache)
    assert (again.rendered_segments, again.reused_segments) == (0, 3)


def test_a_missing_or_silent_music_file_is_a_clear_error(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [1.0])
    with pytest.raises(RenderError, match=r"music file gone\.ogg is missing"):
        render_plan(
            RenderPlan(plan.segments, plan.settings, mix=MixSettings(tmp_path / "gone.ogg")), tmp_path / "o.mp4"
        )
    silent = tmp_path / "silent.wav"
    write_wav_pcm16(silent, np.zeros(RATE, dtype=np.float32), RATE)
    with pytest.raises(RenderError, match=r"music file silent\.wav is silent"):
        render_plan(RenderPlan(plan.segments, plan.settings, mix=MixSettings(silent)), tmp_path / "o.mp4")
    assert not (tmp_path / "o.mp4").exists()


def test_duck_envelope_bridges_short_gaps_looks_ahead_and_releases() -> None:
    block = 0.02
    active = np.zeros(300, dtype=bool)
    active[50:100] = True  # speech 1.0–2.0 s
    active[110:150] = True  # after a 0.2 s gap between words
    active[250:260] = True  # after a 2 s pause
    d = duck_envelope(active, block)
    assert np.all(d[50:150] == 1.0)  # the short gap stays ducked (no pumping)
    assert d[50 - round(ATTACK_SECONDS / block)] == 0.0 and d[49] > 0.8  # attack starts ≤ 0.15 s before onset
    back = 150 + round((HOLD_SECONDS + RELEASE_SECONDS) / block)
    assert np.all(d[150 : 150 + round(HOLD_SECONDS / block)] == 1.0) and d[back] == 0.0  # back in 0.85 s
    assert np.all(np.diff(d[150:back]) <= 0)
    assert ducked_level(-18.0) == -27.0 and ducked_level(0.0) == -18.0 and ducked_level(-30.0) == -39.0
