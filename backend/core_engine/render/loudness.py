"""Loudness measurement with ffmpeg's ``ebur128`` filter (EBU R 128 / ITU-R BS.1770-4: K-weighted, gated
integrated loudness in LUFS, true peak by 4× oversampling in dBTP).

Used by the narration track (each segment's narration is levelled to :data:`NARRATION_REF_LUFS`) and by the mix
(:mod:`core_engine.render.mix`: the music is set relative to the narration, the final mix normalised to the
project's loudness target).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core_engine.render.ffmpeg import COMMON_ARGS, FFmpegProcess, ffmpeg_exe, strip_folders
from core_engine.render.plan import RenderError

__all__ = [
    "NARRATION_REF_LUFS",
    "SILENCE_LUFS",
    "Loudness",
    "measure_file",
    "measure_samples",
    "measure_stream",
]

#: Loudness every segment's narration is levelled to before the mix (LUFS). Low enough that speech peaks (typically
#: 15–20 dB above its loudness) stay below full scale; the final mix is then raised to the project's target.
NARRATION_REF_LUFS = -23.0

#: ``ebur128`` reports −70 LUFS (its absolute gate) for silence or audio shorter than one 400 ms block; anything at
#: or below this is "no measurable loudness".
SILENCE_LUFS = -69.0

#: How often (seconds) ``tick`` is called while ffmpeg measures.
TICK_INTERVAL = 0.1

_I_RE = re.compile(r"^\s*I:\s+(-?(?:inf|[0-9.]+))\s+LUFS", re.MULTILINE)
_PEAK_RE = re.compile(r"^\s*Peak:\s+(-?(?:inf|[0-9.]+))\s+dBFS", re.MULTILINE)


@dataclass(frozen=True)
class Loudness:
    """What ``ebur128`` measured: ``integrated`` loudness in LUFS (``-inf``/≤ :data:`SILENCE_LUFS` when nothing
    measurable) and ``true_peak`` in dBTP (``-inf`` for digital silence)."""

    integrated: float
    true_peak: float

    @property
    def measurable(self) -> bool:
        """True when the audio has a measurable loudness (not silence, at least one 400 ms block)."""
        return math.isfinite(self.integrated) and self.integrated > SILENCE_LUFS


class _SummaryProcess(FFmpegProcess):
    """An :class:`FFmpegProcess` whose :meth:`error_message` returns everything ffmpeg said (the ``ebur128``
    summary is a dozen lines at the end of its log)."""

    def error_message(self) -> str:
        if self.proc is not None:
            self.proc.wait()
        if self.errfile.closed:
            return ""
        self.errfile.seek(0)
        text = self.errfile.read().decode("utf-8", "replace")
        self.errfile.close()
        return text


def _parse(text: str) -> Loudness:
    i_match = _I_RE.findall(text)
    peak_match = _PEAK_RE.findall(text)
    if not i_match:
        tail = " | ".join(ln.strip() for ln in strip_folders(text).strip().splitlines()[-3:])
        raise RenderError(f"The loudness of the audio could not be measured ({tail or 'no details'}).")
    peak = float(peak_match[-1]) if peak_match else -math.inf
    return Loudness(float(i_match[-1]), peak)


def measure_stream(
    input_args: list[str],
    chunks: Iterable[bytes | memoryview] = (),
    filters: str = "",
    tick: Callable[[], None] | None = None,
    true_peak: bool = False,
) -> Loudness:
    """Measure the audio that ffmpeg reads with ``input_args`` (e.g. ``["-i", path]``, or raw PCM on ``pipe:0``
    fed with ``chunks``), after the optional ``filters`` (a filter chain applied before the meter, or a
    ``-filter_complex`` graph whose output is labelled ``[pre]``). ``tick()`` is called while
    ffmpeg works (every :data:`TICK_INTERVAL` s; progress reports; an exception from it kills ffmpeg and propagates).
    The true peak (4× oversampled, costly) is measured only with ``true_peak``; otherwise it is ``-inf``.

    Raises:
        RenderError: ffmpeg fails or prints no summary (message without the server's folders).
    """
    meter = f"ebur128=peak={'true' if true_peak else 'none'}"
    if "[pre]" in filters:
        graph = ["-filter_complex", f"{filters};[pre]{meter}[out]", "-map", "[out]"]
    else:
        chain = f"{filters}," if filters else ""
        graph = ["-af", f"{chain}{meter}"]
    cmd = [ffmpeg_exe(), *COMMON_ARGS[:2], "-nostats", "-loglevel", "info", *input_args, *graph, "-f", "null", "-"]
    proc = _SummaryProcess(cmd)
    try:
        with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped reading (ended or failed): its status tells
            proc.write(chunks)
        if tick is not None:
            tick()
        rc, text = proc.finish(tick, interval=TICK_INTERVAL)
    except BaseException:
        proc.kill()
        raise
    if rc != 0:
        _parse("")  # raises with no summary
    return _parse(text)


def measure_file(
    path: Path, max_seconds: float | None = None, tick: Callable[[], None] | None = None, true_peak: bool = False
) -> Loudness:
    """Integrated loudness (and with ``true_peak`` the true peak) of an audio file's first audio stream (the first
    ``max_seconds``); ``tick`` as in :func:`measure_stream`.

    Raises:
        RenderError: the file cannot be decoded or measured.
    """
    limit = ["-t", f"{max_seconds:.6f}"] if max_seconds is not None else []
    return measure_stream([*limit, "-i", str(path), "-vn", "-sn", "-dn"], tick=tick, true_peak=true_peak)


def measure_samples(
    samples: npt.NDArray[np.float32], sample_rate: int, tick: Callable[[], None] | None = None
) -> Loudness:
    """Integrated loudness of float PCM ``samples`` of shape ``(n, channels)`` at ``sample_rate`` Hz; ``tick`` as in
    :func:`measure_stream`.

    Raises:
        RenderError: ffmpeg fails.
    """
    channels = 1 if samples.ndim == 1 else int(samples.shape[1])
    data = np.ascontiguousarray(samples, dtype="<f4")
    return measure_stream(
        ["-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0"],
        [data.data.cast("B")],
        tick=tick,
    )
