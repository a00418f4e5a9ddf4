"""Narration engine: real espeak-ng synthesis, WAV format, loudness, silence, speed, voices and hostile text."""

from __future__ import annotations

import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from core_engine.tts import ENGINES, SpeechError, Voice, get_engine, synthesize_to_wav
from core_engine.tts.base import SpeechEngine, clean_text

SENTENCE = "The old keeper climbed the spiral stairs one last time, counting every step."
BACKEND_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> SpeechEngine:
    eng = get_engine()
    assert eng is not None, "the built-in espeak-ng engine must load from the pinned wheel"
    return eng


def read_wav(path: Path) -> tuple[np.ndarray, int, int, int]:
    """(samples in [-1, 1], rate Hz, channels, sample width bytes)."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32768.0, rate, channels, width


def edge_silences(samples: np.ndarray, rate: int, threshold_dbfs: float = -40.0) -> tuple[float, float]:
    """Seconds before the first and after the last sample louder than ``threshold_dbfs``."""
    loud = np.flatnonzero(np.abs(samples) >= 10 ** (threshold_dbfs / 20))
    assert loud.size, "no audible sample"
    return loud[0] / rate, (samples.size - 1 - loud[-1]) / rate


def test_registry_and_engine_identity(engine: SpeechEngine) -> None:
    assert "espeak-ng" in ENGINES
    assert engine.name == "espeak-ng"
    assert engine.sample_rate == 22050
    assert get_engine() is engine  # cached
    assert get_engine("no-such-engine") is None


def test_wav_format_duration_peak_and_silence(engine: SpeechEngine, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "line.wav"
    duration = synthesize_to_wav(SENTENCE, out)
    samples, rate, channels, width = read_wav(out)
    assert (rate, channels, width) == (engine.sample_rate, 1, 2)
    assert duration == pytest.approx(samples.size / rate, abs=1e-9)
    assert 2.0 < duration < 10.0
    peak_db = 20 * np.log10(np.max(np.abs(samples)))
    assert peak_db == pytest.approx(-1.0, abs=0.2)
    lead, trail = edge_silences(samples, rate)
    assert lead <= 0.15 + 1e-3 and trail <= 0.15 + 1e-3
    assert not list(tmp_path.glob("sub/*.part")), "temporary file left behind"


def test_overwrites_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    first = synthesize_to_wav("A short line.", out)
    second = synthesize_to_wav(SENTENCE + " " + SENTENCE, out)
    assert second > first
    assert read_wav(out)[0].size / 22050 == pytest.approx(second)


def test_speed_changes_duration(tmp_path: Path) -> None:
    slow = synthesize_to_wav(SENTENCE, tmp_path / "slow.wav", speed=0.5)
    normal = synthesize_to_wav(SENTENCE, tmp_path / "normal.wav", speed=1.0)
    fast = synthesize_to_wav(SENTENCE, tmp_path / "fast.wav", speed=2.0)
    assert fast < normal < slow
    assert slow > 2.5 * fast


def test_speed_out_of_range_is_clamped_and_nan_rejected(tmp_path: Path) -> None:
    assert synthesize_to_wav(SENTENCE, tmp_path / "a.wav", speed=10.0) == pytest.approx(
        synthesize_to_wav(SENTENCE, tmp_path / "b.wav", speed=2.0), rel=0.02
    )
    with pytest.raises(SpeechError):
        synthesize_to_wav(SENTENCE, tmp_path / "c.wav", speed=float("nan"))


def test_voices_listed_from_data(engine: SpeechEngine) -> None:
    voices = engine.list_voices()
    assert len(voices) > 50
    assert all(isinstance(v, Voice) and v.id and v.name and v.language for v in voices)
    assert len({v.id for v in voices}) == len(voices), "voice ids must be unique"
    ids = {v.id for v in voices}
    assert engine.default_voice_id() in ids
    assert engine.default_voice_id() == "en-us"
    assert {"fr-fr", "de", "ru", "cmn", "ar"} <= ids
    assert {v.gender for v in voices} >= {"male", "female"}
    assert all(v.gender in ("male", "female", None) for v in voices)


def test_other_voices_sound_different(engine: SpeechEngine, tmp_path: Path) -> None:
    default = engine.synthesize(SENTENCE, None, 1.0)
    female = next(v for v in engine.list_voices() if v.gender == "female")
    for voice_id in (female.id, "en-gb", "fr-fr"):
        out = tmp_path / f"{voice_id}.wav"
        assert synthesize_to_wav(SENTENCE, out, voice_id=voice_id) > 1.0
        other = engine.synthesize(SENTENCE, voice_id, 1.0)
        assert other.size != default.size or not np.allclose(other, default)


def test_voice_ids_are_case_insensitive(engine: SpeechEngine) -> None:
    # espeak-ng carries a little state between calls, so lengths agree only to a few milliseconds
    upper = engine.synthesize(SENTENCE, "EN-US+F3", 1.0).size
    assert upper == pytest.approx(engine.synthesize(SENTENCE, "en-us+f3", 1.0).size, rel=0.01)


@pytest.mark.parametrize("voice_id", ["klingon", "en-us+nobody", "../../etc/passwd", "en-us+", "+f3"])
def test_unknown_voice_is_a_speech_error(tmp_path: Path, voice_id: str) -> None:
    out = tmp_path / "x.wav"
    with pytest.raises(SpeechError, match=r"(?i)voice"):
        synthesize_to_wav(SENTENCE, out, voice_id=voice_id)
    assert not out.exists()


HOSTILE_TEXTS = {
    "quotes": "He said, \"Don't go!\" and \u201cshe\u201d answered \u2018fine\u2019 \u00abd'accord\u00bb.",
    "numbers": "In 1987 there were 3,412 ships; 12.5% sank at 10:30pm on 2024-03-05 for $1,000,000.",
    "abbreviations": "Dr. Smith, e.g. Mr. Jones & Mrs. Lee, i.e. etc., lived on St. James St. at 5 a.m.",
    "emoji": "The end \U0001f389\U0001f642 of the story \u2764\ufe0f, with a family "
    "\U0001f468\u200d\U0001f469\u200d\U0001f467.",
    "emoji_only": "\U0001f389\U0001f642\U0001f680",
    "cyrillic": "Привет, как дела? Это проверка.",
    "cjk": "你好，世界。これは日本語です。한국어 문장.",
    "arabic": "مرحبا بالعالم، هذا اختبار.",
    "only_punctuation": "?!...",
    "whitespace": " \n\t  \r\n ",
    "control_chars": "Hello\x00 wor\x07ld\x1b[31m red\x7f\x0c end\ud800.",
    "empty": "",
    "markup": "<speak><break time='30s'/>Hi</speak> [[h@l'oU]] &amp; <b>",
    "symbols": "\u03a9\u2248\u00e7\u221a\u222b \u00bd \u221e \u00b0 \u20ac \u00a9 \u2122",
    "zalgo": "Z\u0334\u0322\u031b\u031f\u034e\u030aa\u0337l\u0336g\u0338o\u0335 text",
    "long_5000": ("The keeper climbed the stairs and looked out at the dark sea. " * 90)[:5000],
    "long_word": "a" * 5000,
    "long_number": "9" * 3000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_text_gives_valid_wav_or_speech_error(name: str, tmp_path: Path) -> None:
    out = tmp_path / "hostile.wav"
    try:
        duration = synthesize_to_wav(HOSTILE_TEXTS[name], out)
    except SpeechError as err:
        assert str(err) and str(err)[0].isupper(), "reason must be a readable sentence"
        assert not out.exists()
        return
    samples, rate, channels, width = read_wav(out)
    assert (rate, channels, width) == (22050, 1, 2)
    assert duration == pytest.approx(samples.size / rate) and duration > 0.1
    assert 20 * np.log10(np.max(np.abs(samples))) == pytest.approx(-1.0, abs=0.2)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("   \n", "empty"), ("?!...", "nothing to speak"), ("\U0001f389\U0001f642", "nothing to speak")],
)
def test_unspeakable_text_reasons(text: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match=reason):
        synthesize_to_wav(text, tmp_path / "x.wav")


def test_too_long_text_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="too long"):
        synthesize_to_wav("word " * 6000, tmp_path / "x.wav")


def test_clean_text_strips_controls_and_collapses_space() -> None:
    assert clean_text("  Hello\x00\x07 \n\t world\u200b! \U0001f642 ") == "Hello world!"
    with pytest.raises(SpeechError):
        clean_text(None)  # type: ignore[arg-type]


def test_concurrent_synthesis_is_serialised(engine: SpeechEngine) -> None:
    expected = engine.synthesize(SENTENCE, None, 1.0).size
    sizes: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            sizes.extend(engine.synthesize(SENTENCE, None, 1.0).size for _ in range(5))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(sizes) == 20
    assert all(size == pytest.approx(expected, rel=0.01) for size in sizes)


def test_hostile_texts_do_not_crash_a_fresh_process(tmp_path: Path) -> None:
    """Native crashes (segfaults) cannot be caught in-process: run the whole hostile list in a child interpreter."""
    script = (
        "import sys, json\n"
        "from core_engine.tts import synthesize_to_wav, SpeechError\n"
        "texts = json.loads(sys.stdin.read())\n"
        "for i, t in enumerate(texts):\n"
        "    for v in (None, 'en-us+f3', 'ru', 'cmn'):\n"
        "        try:\n"
        "            synthesize_to_wav(t, sys.argv[1] + f'/{i}.wav', voice_id=v, speed=2.0)\n"
        "        except SpeechError:\n"
        "            pass\n"
        "print('survived')\n"
    )
    import json

    texts = [t for k, t in HOSTILE_TEXTS.items() if not k.startswith("long")] + ["a" * 5000]
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=BACKEND_DIR,
        env={"PYTHONPATH": str(BACKEND_DIR), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "survived" in proc.stdout


def test_native_crash_in_espeak_is_contained(engine: SpeechEngine, tmp_path: Path) -> None:
    """espeak-ng 1.52 segfaults on "ॠ" with the vi-VN-x-central voice; the server process must survive it."""
    try:
        synthesize_to_wav("\u0960", tmp_path / "crash.wav", voice_id="vi-VN-x-central")
    except SpeechError as err:
        assert "failed" in str(err)
    assert synthesize_to_wav(SENTENCE, tmp_path / "after.wav") > 2.0


def test_hung_worker_is_killed_and_replaced(engine: SpeechEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from core_engine.tts import espeak

    monkeypatch.setattr(espeak, "synth_timeout", lambda text: 0.0)
    with pytest.raises(SpeechError, match="failed"):
        engine.synthesize(" ".join([SENTENCE] * 10), None, 1.0)
    monkeypatch.undo()
    assert engine.synthesize(SENTENCE, None, 1.0).size > 22050
