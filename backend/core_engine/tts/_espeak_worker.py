"""Child process that owns libespeak-ng (started by :mod:`core_engine.tts.espeak`; not imported by anything).

espeak-ng 1.52 has native crash bugs on some inputs (e.g. the Devanagari letter "ॠ" spoken by the
``vi-VN-x-central`` voice segfaults), and a segfault cannot be caught in Python. Running the library here keeps the
server alive: the parent sees the pipe close, reports a :class:`SpeechError` and starts a fresh worker.

Self-contained on purpose (standard library + ``espeakng_loader`` only, no numpy, no project imports), so it starts
in a few tens of milliseconds and runs the same whatever ``sys.path`` the parent had.

Protocol on stdin/stdout, one request at a time:

- request: one JSON line, ``{"op": "synth", "text": str, "voice": str, "wpm": int, "max_samples": int}``.
- reply: one JSON line; for a successful synth ``{"ok": true, "n": <samples>, "aborted": bool, "status": int,
  "words": [[text_position, length, audio_ms], ...]}`` (espeak-ng's own ``espeakEVENT_WORD`` events: 1-based
  character position of the word in the request text, its length in characters, and where its sound starts in
  the output, in milliseconds from the first sample) followed by exactly ``2 * n`` bytes of little-endian int16
  PCM; otherwise ``{"ok": false, "error": <code>, "detail": str}`` with code ``"voice"`` (voice not selectable)
  or ``"internal"``.
- on start-up the worker writes a hello line: ``{"ok": true, "sample_rate": int, "data_path": str,
  "voices": [[name, language, identifier, gender], ...], "variants": [...]}`` or ``{"ok": false, ...}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

# speak_lib.h (API revision 12)
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000  # return an error instead of calling exit() when the data is missing
CHARS_UTF8 = 1
POS_CHARACTER = 1
PARAM_RATE = 1
EE_OK = 0
BUFFER_MS = 200
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1


class EspeakVoice(ctypes.Structure):
    """``espeak_VOICE``: name, languages (priority byte + code, repeated), identifier (file under the data dir)."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class EspeakEvent(ctypes.Structure):
    """``espeak_EVENT`` (speak_lib.h): type, ids, text position/length, audio position (ms), sample, user data."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


# int callback(short *wav, int numsamples, espeak_EVENT *events); return 0 to continue, 1 to abort.
SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(EspeakEvent)
)


def _load() -> tuple[ctypes.CDLL, int, str]:
    """Load and initialise libespeak-ng: ``(library, sample_rate_hz, data_path)``.

    Raises:
        RuntimeError: ``espeak_Initialize`` failed (e.g. the voice data is missing).
    """
    import espeakng_loader

    data_path = espeakng_loader.get_data_path()
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_ListVoices.argtypes = [ctypes.POINTER(EspeakVoice)]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(EspeakVoice))
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, data_path.encode(), INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise RuntimeError(f"espeak_Initialize failed (returned {rate}) with data at {data_path}")
    return lib, int(rate), str(data_path)


def _list(lib: ctypes.CDLL, variants: bool) -> list[list[str | int]]:
    spec = None
    keep = None
    if variants:
        keep = ctypes.create_string_buffer(b"variant")
        spec = EspeakVoice()
        spec.languages = ctypes.cast(keep, ctypes.c_void_p)
    array = lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
    found: list[list[str | int]] = []
    i = 0
    while array and array[i]:
        v = array[i].contents
        # first entry of the languages list: one priority byte, then a NUL-terminated code
        lang = ctypes.string_at(v.languages + 1).decode("utf-8", "replace") if v.languages else ""
        found.append(
            [
                (v.name or b"").decode("utf-8", "replace"),
                lang,
                (v.identifier or b"").decode("utf-8", "replace"),
                int(v.gender),
            ]
        )
        i += 1
    del keep
    return found


def _word_events(events: Any) -> list[list[int]]:
    """``[text_position, length, audio_ms]`` of each ``espeakEVENT_WORD`` in a callback's event list.

    ``events`` is the callback's ``POINTER(EspeakEvent)`` (typed ``Any``: ctypes pointers index as untyped).
    """
    found: list[list[int]] = []
    i = 0
    while events and events[i].type != EVENT_LIST_TERMINATED:
        event = events[i]
        if event.type == EVENT_WORD:
            found.append([event.text_position, event.length, event.audio_position])
        i += 1
    return found


@dataclass
class _SynthState:
    """What the synth callback collected for the current request: PCM chunks, sample count, word events."""

    chunks: list[bytes] = field(default_factory=list)
    n: int = 0  # samples received so far
    max: int = 0  # abort once more than this many samples arrive
    aborted: bool = False
    words: list[list[int]] = field(default_factory=list)

    def reset(self, max_samples: int) -> None:
        """Start a new request that may produce at most ``max_samples`` samples."""
        self.chunks, self.n, self.max, self.aborted, self.words = [], 0, max_samples, False, []


def main() -> int:
    # Keep the protocol channel private: anything the C library prints to stdout goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer

    def reply(header: dict[str, Any], payload: bytes = b"") -> None:
        out.write(json.dumps(header).encode() + b"\n")
        if payload:
            out.write(payload)
        out.flush()

    try:
        lib, rate, data_path = _load()
        reply(
            {
                "ok": True,
                "sample_rate": rate,
                "data_path": data_path,
                "voices": _list(lib, False),
                "variants": _list(lib, True),
            }
        )
    except Exception as exc:  # reported to the parent, which logs it and treats the engine as unavailable
        reply({"ok": False, "error": "init", "detail": f"{type(exc).__name__}: {exc}"})
        return 1

    state = _SynthState()

    def on_samples(wav: Any, n_samples: int, events: Any) -> int:
        try:
            state.words.extend(_word_events(events))
            if wav and n_samples > 0:
                state.chunks.append(ctypes.string_at(wav, 2 * n_samples))
                state.n += n_samples
                if state.n > state.max:
                    state.aborted = True
                    return 1
            return 0
        except Exception:  # never let an exception unwind through C
            state.aborted = True
            return 1

    callback = SYNTH_CALLBACK(on_samples)
    lib.espeak_SetSynthCallback(callback)

    for line in inp:
        try:
            request = json.loads(line)
            if request.get("op") != "synth":
                reply({"ok": False, "error": "internal", "detail": f"unknown op {request.get('op')!r}"})
                continue
            if lib.espeak_SetVoiceByName(request["voice"].encode()) != EE_OK:
                reply({"ok": False, "error": "voice", "detail": request["voice"]})
                continue
            lib.espeak_SetParameter(PARAM_RATE, int(request["wpm"]), 0)
            text = request["text"].encode("utf-8")
            state.reset(int(request["max_samples"]))
            status = lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
            pcm = b"".join(state.chunks)
            state.chunks = []
            header: dict[str, Any] = {"ok": True, "n": len(pcm) // 2, "aborted": state.aborted, "status": int(status)}
            header["words"] = state.words
            reply(header, pcm)
        except Exception as exc:
            reply({"ok": False, "error": "internal", "detail": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
