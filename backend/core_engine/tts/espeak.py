"""The built-in speech engine: espeak-ng from the ``espeakng-loader`` wheel (library + voice data), through ctypes.

Nothing is fetched or installed at run time: the wheel ships ``libespeak-ng.so`` and ``espeak-ng-data``.

Isolation: espeak-ng 1.52 crashes natively on some inputs (found by fuzzing: the Devanagari letter "ॠ" spoken by
the ``vi-VN-x-central`` voice segfaults), and a segfault would take the whole Django server down. So the library
lives in one long-lived child process (:mod:`core_engine.tts._espeak_worker`, started on first use, a few tens of
milliseconds) that is initialised once in synchronous retrieval mode; requests go to it one at a time under a lock
(the library has global state and is not thread-safe). If the worker dies or hangs, the request fails with a
:class:`SpeechError` and the next request starts a fresh worker.

Voice ids are espeak-ng's language codes (``"en-us"``, ``"fr-fr"``, ``"cmn"``), optionally followed by a voice
variant from ``espeak-ng-data/voices/!v`` (``"en-us+Annie"``, ``"de+f3"``); matching is case-insensitive.
:meth:`EspeakEngine.list_voices` lists every usable language voice plus every variant applied to the default
language; any installed language+variant pair is accepted by :meth:`EspeakEngine.synthesize`.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
import numpy.typing as npt

from core_engine.alignment import WordTiming, timings_from_word_events
from core_engine.audio_utils import MAX_AUDIO_SECONDS, silence_trim_bounds
from core_engine.tts.base import SpeechEngine, SpeechEngineUnavailable, SpeechError, Voice, clamp_speed, clean_text

logger = logging.getLogger(__name__)

#: Words per minute at speed 1.0, and the range espeak-ng accepts (speak_lib.h espeakRATE_MINIMUM/MAXIMUM).
NORMAL_WPM = 175
MIN_WPM = 80
MAX_WPM = 450

#: Preferred default voices, first installed one wins.
PREFERRED_DEFAULT_VOICES = ("en-us", "en-gb", "en")

#: Seconds to wait for the worker to start, and for one synthesis (plus 1 s per 100 characters).
WORKER_START_TIMEOUT = 30.0
SYNTH_BASE_TIMEOUT = 30.0

_GENDERS = {1: "male", 2: "female"}
_WORKER_SCRIPT = Path(__file__).with_name("_espeak_worker.py")


def synth_timeout(text: str) -> float:
    """Seconds one synthesis may take before the worker is considered hung and killed."""
    return SYNTH_BASE_TIMEOUT + len(text) / 100.0


_T = TypeVar("_T")


class _WorkerDied(RuntimeError):
    """The worker process exited, crashed or timed out during a request."""


class _EspeakWorker:
    """Client of one ``_espeak_worker`` child process. Not thread-safe: the caller holds a lock."""

    def __init__(self) -> None:
        # Lives as long as the worker process (closed in close()), so no context manager.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker in close()
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, str(_WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            close_fds=True,
        )
        try:
            hello = self._read_header(WORKER_START_TIMEOUT)
        except (_WorkerDied, json.JSONDecodeError) as exc:
            detail = self.stderr_tail(1000)
            self.close()
            raise RuntimeError(f"espeak-ng worker did not start ({exc}): {detail or 'no output'}") from None
        if not hello.get("ok"):
            self.close()
            raise RuntimeError(f"espeak-ng worker could not start: {hello.get('detail')}")
        self.hello = hello

    def stderr_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters the worker (and espeak-ng) wrote to stderr."""
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def trim_stderr(self, limit: int = 1 << 20) -> None:
        """Empty the stderr log once it exceeds ``limit`` bytes (a long-lived worker must not fill the disk)."""
        try:
            self._stderr.seek(0, os.SEEK_END)
            if self._stderr.tell() > limit:
                self._stderr.truncate(0)
                self._stderr.seek(0)  # the child shares this file offset
        except (OSError, ValueError):
            pass

    @property
    def _stdin(self) -> IO[bytes]:
        """The request pipe (always set: the worker is started with ``stdin=PIPE``)."""
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def _stdout(self) -> IO[bytes]:
        """The reply pipe (always set: the worker is started with ``stdout=PIPE``)."""
        assert self.proc.stdout is not None
        return self.proc.stdout

    def _with_deadline(self, timeout: float, fn: Callable[[], _T]) -> _T:
        """Run ``fn()`` (blocking pipe I/O); kill the worker if it takes longer than ``timeout`` seconds."""
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            self.proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            return fn()
        except (OSError, ValueError) as exc:  # broken pipe, closed file
            raise _WorkerDied(f"pipe failed: {exc}") from exc
        finally:
            timer.cancel()
            if timed_out.is_set():
                raise _WorkerDied(f"no answer within {timeout:.0f} s")

    def _read_header(self, timeout: float) -> dict[str, Any]:
        line = self._with_deadline(timeout, self._stdout.readline)
        if not line:
            raise _WorkerDied("exited")
        header: dict[str, Any] = json.loads(line)  # the worker always replies with a JSON object
        return header

    def synth(self, text: str, voice: str, wpm: int, max_samples: int) -> tuple[dict[str, Any], bytes]:
        """Send one request; return the reply header and the raw native-endian int16 PCM.

        Raises:
            _WorkerDied: the worker crashed, exited or exceeded its time limit (it is then unusable).
        """
        request = {"op": "synth", "text": text, "voice": voice, "wpm": wpm, "max_samples": max_samples}
        timeout = synth_timeout(text)

        def send() -> None:
            self._stdin.write(json.dumps(request).encode() + b"\n")
            self._stdin.flush()

        self._with_deadline(timeout, send)
        header = self._read_header(timeout)
        pcm = b""
        if header.get("ok") and header.get("n"):
            size = 2 * int(header["n"])
            pcm = self._with_deadline(timeout, lambda: self._stdout.read(size))
            if len(pcm) != size:
                raise _WorkerDied("reply cut short")
        return header, pcm

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the worker (closing its stdin ends its loop; kill it if it lingers)."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.proc.kill()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                logger.warning("espeak-ng worker %s did not exit", self.proc.pid)
        for stream in (self.proc.stdout, self._stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass


class _WorkerPool:
    """The one espeak-ng worker of this process, started lazily and restarted after a crash."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._worker: _EspeakWorker | None = None
        atexit.register(self.shutdown)

    def hello(self) -> dict[str, Any]:
        """The start-up report of a (possibly new) worker: sample rate, data path, raw voice lists."""
        with self.lock:
            return self._get().hello

    def _get(self) -> _EspeakWorker:
        if self._worker is None or not self._worker.alive():
            if self._worker is not None:
                self._worker.close()
            self._worker = _EspeakWorker()
            logger.info("espeak-ng worker started (pid %s)", self._worker.proc.pid)
        return self._worker

    def synth(self, text: str, voice: str, wpm: int, max_samples: int) -> tuple[dict[str, Any], bytes]:
        """One synthesis request.

        Raises:
            SpeechError: the worker crashed or hung on this text (it is replaced on the next request).
            SpeechEngineUnavailable: no worker could be started.
        """
        with self.lock:
            try:
                worker = self._get()
            except (RuntimeError, OSError) as exc:
                logger.error("espeak-ng worker could not be started: %s", exc)
                raise SpeechEngineUnavailable("The speech engine could not be started on this server.") from exc
            try:
                header, pcm = worker.synth(text, voice, wpm, max_samples)
                worker.trim_stderr()
                return header, pcm
            except _WorkerDied as exc:
                worker.close()
                self._worker = None
                logger.error(
                    "espeak-ng worker failed (%s, exit code %s) on %d characters with voice %s; stderr: %s",
                    exc,
                    worker.proc.returncode,
                    len(text),
                    voice,
                    worker.stderr_tail(500) or "-",
                )
                raise SpeechError(
                    "The speech engine failed on this text. It may contain characters this voice cannot read: "
                    "remove unusual symbols or choose another voice."
                ) from exc

    def shutdown(self) -> None:
        """Stop the worker, if any (at interpreter exit; does not wait long for a request in progress)."""
        locked = self.lock.acquire(timeout=5)
        try:
            worker, self._worker = self._worker, None
            if worker is not None:
                if not locked:
                    worker.proc.kill()
                worker.close()
        finally:
            if locked:
                self.lock.release()


_pool = _WorkerPool()


class EspeakEngine(SpeechEngine):
    """espeak-ng, the always-available built-in engine: ~140 languages, robotic but clear, very fast.

    Construction starts the worker process and reads the installed voices; it raises (``RuntimeError``,
    ``OSError``) when the library or its data cannot be loaded, which :func:`core_engine.tts.get_engine` turns into
    ``None``.
    """

    name = "espeak-ng"

    def __init__(self) -> None:
        hello = _pool.hello()
        self.sample_rate = int(hello["sample_rate"])
        self._data_path = Path(hello["data_path"])
        self._languages: dict[str, Voice] = {}  # lower-case id -> voice
        self._identifiers: dict[str, str] = {}  # lower-case id -> file under espeak-ng-data/lang ("gmw/en-US")
        for name, lang, identifier, gender in hello["voices"]:
            if not lang or identifier.startswith("mb/"):
                continue  # mbrola voices need separately installed databases
            if not self._has_dictionary(identifier, lang):
                logger.debug("espeak-ng voice %s skipped: its dictionary is not installed", identifier)
                continue
            # the language code is the id; a second voice for the same language is told apart by its file name
            vid = lang if lang.lower() not in self._languages else identifier.rsplit("/", 1)[-1]
            if vid.lower() in self._languages:
                continue
            self._languages[vid.lower()] = Voice(id=vid, name=name.strip(), language=lang, gender=_GENDERS.get(gender))
            self._identifiers[vid.lower()] = identifier
        self._variants: dict[str, tuple[str, str, str | None]] = {}  # lower-case id -> (id, name, gender)
        for name, _lang, identifier, gender in hello["variants"]:
            variant_id = identifier.rsplit("/", 1)[-1]
            if variant_id and "+" not in variant_id:
                self._variants.setdefault(variant_id.lower(), (variant_id, name, _GENDERS.get(gender)))
        if not self._languages:
            raise RuntimeError(f"espeak-ng found no voices in {self._data_path}")
        self._default = next(
            (self._languages[v].id for v in PREFERRED_DEFAULT_VOICES if v in self._languages),
            sorted(self._languages.values(), key=lambda v: v.id)[0].id,
        )
        logger.info(
            "espeak-ng ready: %d languages, %d variants, %d Hz",
            len(self._languages),
            len(self._variants),
            self.sample_rate,
        )

    def _has_dictionary(self, identifier: str, language: str) -> bool:
        """True when the pronunciation dictionary a language voice loads is installed: the file's ``dictionary``
        keyword, else the language's primary subtag (``en-us`` → ``en_dict``). A few voices in the wheel lack it."""
        data = self._data_path
        dictionary = language.split("-", 1)[0]
        for folder in ("lang", "voices"):
            path = data / folder / identifier
            if path.is_file():
                try:
                    for line in path.read_text("utf-8", "replace").splitlines():
                        parts = line.split()
                        if len(parts) >= 2 and parts[0] == "dictionary":
                            dictionary = parts[1]
                except OSError:
                    return False
                break
        return (data / f"{dictionary}_dict").is_file()

    def list_voices(self) -> list[Voice]:
        """Every installed language voice (sorted by name), then the installed variants of the default language
        (``"en-us+Annie"`` …, sorted by name). Gender comes from espeak-ng's data (its language voices say male)."""
        voices = sorted(self._languages.values(), key=lambda v: v.name.lower())
        base = self._languages[self._default.lower()]
        variants = [
            Voice(id=f"{base.id}+{vid}", name=f"{base.name} – {vname}", language=base.language, gender=gender)
            for vid, vname, gender in sorted(self._variants.values(), key=lambda t: t[1].lower())
        ]
        return voices + variants

    def default_voice_id(self) -> str:
        """``"en-us"`` when installed (else British English, else the first language)."""
        return self._default

    def has_voice(self, voice_id: str) -> bool:
        """True for any installed language, alone or with an installed variant (``"de+f3"``), case-insensitive."""
        try:
            self.resolve_voice(voice_id or "?")
        except SpeechError:
            return False
        return True

    def resolve_voice(self, voice_id: str | None) -> tuple[str, Voice]:
        """The name espeak-ng loads (voice file + variant, ``"gmw/en-US+Annie"``) and the language :class:`Voice` for
        ``voice_id`` (matched case-insensitively).

        Raises:
            SpeechError: the language or the variant is not installed.
        """
        vid = (voice_id or "").strip() or self._default
        lang, plus, variant = vid.partition("+")
        voice = self._languages.get(lang.strip().lower())
        if voice is None:
            raise SpeechError(f"Unknown voice '{vid}'. Choose one of the installed voices.")
        identifier = self._identifiers[voice.id.lower()]
        if not plus:
            return identifier, voice
        found = self._variants.get(variant.strip().lower())
        if found is None:
            raise SpeechError(f"Unknown voice '{vid}': the variant '{variant}' is not installed.")
        return f"{identifier}+{found[0]}", voice

    def synthesize(self, text: str, voice_id: str | None, speed: float) -> npt.NDArray[np.float32]:
        """Speak ``text``; float32 mono samples in [-1, 1], shape ``(n,)``, at :attr:`sample_rate` Hz (22050).

        ``speed`` 0.5–2.0 maps to 175 wpm × speed, kept within espeak's 80–450 wpm.

        Raises:
            SpeechError: see :meth:`SpeechEngine.synthesize`.
        """
        return self.synthesize_with_words(text, voice_id, speed)[0]

    def synthesize_with_words(
        self, text: str, voice_id: str | None, speed: float
    ) -> tuple[npt.NDArray[np.float32], list[WordTiming]]:
        """:meth:`synthesize` plus the word timings from espeak-ng's own word events (exact: they come from the
        synthesizer, see :func:`core_engine.alignment.timings_from_word_events`), in seconds from the first sample;
        the words are those of the cleaned text (:func:`~core_engine.tts.base.clean_text`).

        Raises:
            SpeechError: see :meth:`SpeechEngine.synthesize`.
        """
        cleaned = clean_text(text)
        espeak_name, _voice = self.resolve_voice(voice_id)
        wpm = round(NORMAL_WPM * clamp_speed(speed))
        wpm = min(MAX_WPM, max(MIN_WPM, wpm))
        max_samples = int((MAX_AUDIO_SECONDS + 1.0) * self.sample_rate)
        header, pcm = _pool.synth(cleaned, espeak_name, wpm, max_samples)
        if not header.get("ok"):
            if header.get("error") == "voice":
                raise SpeechError(f"The voice '{voice_id}' could not be loaded. Choose another voice.")
            logger.error(
                "espeak-ng could not speak %d characters with %s: %s", len(cleaned), espeak_name, header.get("detail")
            )
            raise SpeechError("The speech engine could not speak this text.")
        if header.get("aborted"):
            raise SpeechError(
                f"The narration would be longer than {MAX_AUDIO_SECONDS / 60:g} minutes. Split the text into "
                "several segments."
            )
        if header.get("status") != 0:
            logger.error(
                "espeak_Synth returned %s for %d characters with %s", header.get("status"), len(cleaned), espeak_name
            )
            raise SpeechError("The speech engine could not speak this text.")
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        if samples.size == 0 or float(np.max(np.abs(samples))) < 1e-4:
            raise SpeechError(
                "The voice produced no sound for this text (it may be in a script this voice cannot read)."
            )
        speech_end = silence_trim_bounds(samples, self.sample_rate, 0.0)[1] / self.sample_rate
        words = timings_from_word_events(cleaned, header.get("words") or [], speech_end)
        return samples, words
