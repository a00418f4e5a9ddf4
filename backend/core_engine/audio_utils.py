"""Audio helpers shared by the API (upload checks), the renderer (narration track) and the speech engines.

Decoding goes through the ffmpeg binary that ``imageio-ffmpeg`` ships (see
:func:`core_engine.render_utils.check_ffmpeg`), so every container ffmpeg reads (WAV, MP3, FLAC, OGG, M4A, …) is
handled the same way. Samples are float32 in [-1, 1], shape ``(n_samples,)`` for mono or ``(n_samples, channels)``.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt

from core_engine.render_utils import require_ffmpeg

logger = logging.getLogger(__name__)

#: Sample rate (Hz) of the narration track in rendered videos (the usual rate for AAC in MP4).
TRACK_SAMPLE_RATE = 48000

#: Longest narration accepted for one segment, in seconds.
MAX_AUDIO_SECONDS = 600.0

#: Highest sample rate (Hz) accepted for narration: 192 kHz is the highest rate of studio recorders; anything above
#: only makes decoding expensive. Checked from the file header before decoding.
MAX_SAMPLE_RATE = 192000

#: Bytes read from the decoder per chunk while measuring; memory use of :func:`probe_audio` stays at about this.
_PROBE_CHUNK = 1 << 20

#: Extension a narration is stored under, by the container ffmpeg detected (``Input #0, <names>, from``).
CONTAINER_EXTENSIONS = {
    "wav": ".wav",
    "mp3": ".mp3",
    "flac": ".flac",
    "ogg": ".ogg",
    "mov,mp4,m4a,3gp,3g2,mj2": ".m4a",
    "aac": ".aac",
}


class AudioError(ValueError):
    """An audio file that cannot be used; ``str(err)`` is a reason a user understands."""


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe_audio` measured: ``duration`` in seconds (decoded samples / rate), ``sample_rate`` in Hz."""

    duration: float
    sample_rate: int
    channels: int
    #: ffmpeg's name of the container format (e.g. "wav", "mp3", "mov,mp4,m4a,3gp,3g2,mj2"); "" when unknown.
    container: str = ""
    #: True when the file also holds a video stream (e.g. an MP4 with picture); only its audio is used.
    has_video: bool = False


def decode_audio(
    path: str | Path, sample_rate: int, channels: int = 1, max_seconds: float | None = None
) -> npt.NDArray[np.float32]:
    """Decode any audio file to float32 PCM at ``sample_rate`` Hz.

    Returns shape ``(n,)`` when ``channels == 1`` else ``(n, channels)``. Decoding stops after ``max_seconds`` (+1 s)
    when given, so a hostile hour-long file costs no more than the limit.

    Raises:
        AudioError: the file is missing, not audio, or holds no samples.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"audio file {path.name} does not exist")
    cmd = [require_ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path), "-vn", "-sn", "-dn"]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds + 1:.3f}"]
    cmd += ["-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(sample_rate), "pipe:1"]
    data = _read_f32(cmd, None if max_seconds is None else int((max_seconds + 2) * sample_rate) * channels)
    if data.size == 0:
        raise AudioError("the file could not be read as audio (unsupported or damaged)")
    if channels > 1:
        data = data[: data.size - data.size % channels].reshape(-1, channels)
    return np.clip(data, -1.0, 1.0, out=data)


def _read_f32(cmd: list[str], max_values: int | None) -> npt.NDArray[np.float32]:
    """Run ffmpeg ``cmd`` (writing f32le to ``pipe:1``) and return what it wrote, as a writable float32 array.

    With ``max_values``, the output is read straight into one buffer of that many values: only the pages written
    become resident, so the peak is the decoded audio itself (collecting the pipe's chunks and joining them held it
    two or three times over: 79 MB for 10 minutes at 16 kHz mono instead of 38 MB; issue 9, row 2). ffmpeg's messages
    go to the log when nothing was decoded."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        with proc.stdout:
            if max_values is None:
                raw = bytearray(proc.stdout.read())
                del raw[len(raw) - len(raw) % 4 :]  # whole samples only (frombuffer refuses a partial one)
                data = np.frombuffer(raw, dtype="<f4")
            else:
                data = np.empty(max_values, dtype="<f4")
                view = data.data.cast("B")
                filled = 0
                while filled < len(view) and (got := cast(io.BufferedReader, proc.stdout).readinto(view[filled:])):
                    filled += got
                data = data[: filled // 4]
        proc.wait()
        if data.size == 0:
            err.seek(0)
            detail = err.read().decode("utf-8", "replace").strip().splitlines()
            logger.info("ffmpeg could not decode: %s", detail[-1:] if detail else "no output")
    return data


@dataclass(frozen=True)
class _Header:
    container: str
    rate: int
    channels: int
    duration: float | None
    has_video: bool


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_INPUT = re.compile(r"^Input #0, (.+?), from ")


def _read_header(path: Path) -> _Header:
    """What ``ffmpeg -i`` says about the file without decoding it (there is no ffprobe): container name, sample
    rate (Hz) and channels of the first audio stream, the declared duration (s) and whether it has video.

    Raises:
        AudioError: no audio stream.
    """
    proc = subprocess.run(
        [require_ffmpeg(), "-nostdin", "-hide_banner", "-i", str(path)], capture_output=True, check=False
    )
    container, duration, has_video = "", None, False
    rate, channels = 0, 1
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if match := _INPUT.match(line):
            container = match.group(1)
        elif match := _DURATION.search(line):
            h, m, sec = match.groups()
            duration = int(h) * 3600 + int(m) * 60 + float(sec)
        elif "Video:" in line and "Stream #" in line:
            has_video = has_video or "attached pic" not in line
        elif "Audio:" in line and not rate:
            rate, channels = _parse_audio_stream(line)
    if not rate:
        raise AudioError("the file has no audio stream")
    return _Header(container, rate, channels, duration, has_video)


def _parse_audio_stream(line: str) -> tuple[int, int]:
    """(sample rate Hz, channels) from an ``ffmpeg -i`` line like ``Stream #0:0: Audio: flac, 44100 Hz, stereo``."""
    rate, channels = 0, 1
    for part in (p.strip() for p in line.split(",")):
        if part.endswith(" Hz"):
            rate = int(part.split()[0])
        elif part == "stereo":
            channels = 2
        elif "channels" in part and part.split()[0].isdigit():
            channels = int(part.split()[0])
    return rate, channels


def _native_format(path: Path) -> tuple[int, int]:
    """(sample_rate Hz, channels) of the first audio stream, parsed from ``ffmpeg -i`` (there is no ffprobe)."""
    header = _read_header(path)
    return header.rate, header.channels


def _count_samples(path: Path, rate: int, max_seconds: float) -> int:
    """Decode the first audio stream as mono 16-bit PCM at its own ``rate`` and count the samples, reading the
    decoder's output in :data:`_PROBE_CHUNK` pieces that are dropped at once (memory stays flat whatever the
    length); stops once ``max_seconds`` + 1 s have been counted."""
    limit = int((max_seconds + 1.0) * rate) * 2
    cmd = [require_ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:a:0"]
    cmd += ["-t", f"{max_seconds + 1:.3f}", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(rate)]
    proc = subprocess.Popen([*cmd, "pipe:1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, process_group=0)
    assert proc.stdout is not None
    count = 0
    try:
        while chunk := proc.stdout.read(_PROBE_CHUNK):
            count += len(chunk)
            if count > limit:
                break
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
    return count // 2


def probe_audio(path: str | Path, max_seconds: float = MAX_AUDIO_SECONDS) -> AudioInfo:
    """Measure an audio file by decoding it (container headers lie, e.g. VBR MP3): duration = samples / rate.

    The header is checked first (sample rate at most :data:`MAX_SAMPLE_RATE`, declared duration at most
    ``max_seconds`` + 1 s), then the samples are counted while streaming, so memory stays flat whatever the file
    declares.

    Raises:
        AudioError: unreadable, empty (no samples or under 0.05 s), longer than ``max_seconds``, or a sample rate
            above :data:`MAX_SAMPLE_RATE`.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"audio file {path.name} does not exist")
    header = _read_header(path)
    if header.rate > MAX_SAMPLE_RATE:
        raise AudioError(f"the sample rate is {header.rate / 1000:g} kHz; the limit is {MAX_SAMPLE_RATE / 1000:g} kHz")
    if header.duration is not None and header.duration > max_seconds + 1.0:
        raise AudioError(f"the audio is longer than {max_seconds / 60:g} minutes")
    samples = _count_samples(path, header.rate, max_seconds)
    if samples == 0:
        raise AudioError("the file could not be read as audio (unsupported or damaged)")
    duration = samples / header.rate
    if duration < 0.05:
        raise AudioError("the audio is empty (shorter than 0.05 s)")
    if duration > max_seconds:
        raise AudioError(f"the audio is longer than {max_seconds / 60:g} minutes")
    return AudioInfo(
        duration=duration,
        sample_rate=header.rate,
        channels=header.channels,
        container=header.container,
        has_video=header.has_video,
    )


def write_wav_pcm16(path: str | Path, samples: npt.NDArray[np.float32], sample_rate: int) -> None:
    """Write mono or multi-channel float samples in [-1, 1] as a 16-bit PCM WAV file (written to a temporary name
    beside ``path``, then moved into place)."""
    path = Path(path)
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())
    tmp.replace(path)


def peak_normalise(samples: npt.NDArray[np.float32], target_dbfs: float = -1.0) -> npt.NDArray[np.float32]:
    """Scale so the highest absolute sample is ``target_dbfs`` (dB relative to full scale); silence is returned
    as is."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak <= 1e-6:
        return samples
    return (samples * (10 ** (target_dbfs / 20.0) / peak)).astype(np.float32)


def trim_silence(
    samples: npt.NDArray[np.float32], sample_rate: int, keep_seconds: float = 0.15, threshold_dbfs: float = -50.0
) -> npt.NDArray[np.float32]:
    """Cut leading and trailing silence down to at most ``keep_seconds`` each.

    Silence is any sample whose magnitude is below ``threshold_dbfs``; the sound in between is kept untouched.
    All-silent input is returned unchanged.
    """
    start, end = silence_trim_bounds(samples, sample_rate, keep_seconds, threshold_dbfs)
    return samples[start:end]


def silence_trim_bounds(
    samples: npt.NDArray[np.float32], sample_rate: int, keep_seconds: float = 0.15, threshold_dbfs: float = -50.0
) -> tuple[int, int]:
    """The ``[start, end)`` sample range :func:`trim_silence` keeps (the whole input when it is empty or silent); the
    start is what the trimmed audio is shifted by, e.g. for word timings measured on the untrimmed output."""
    if samples.size == 0:
        return 0, 0
    mono = np.abs(samples if samples.ndim == 1 else samples.max(axis=1))
    loud = np.flatnonzero(mono >= 10 ** (threshold_dbfs / 20.0))
    if loud.size == 0:
        return 0, int(samples.shape[0])
    keep = round(keep_seconds * sample_rate)
    start = max(0, int(loud[0]) - keep)
    end = min(int(samples.shape[0]), int(loud[-1]) + 1 + keep)
    return start, end
