"""Voiced regions of a recording (frame-energy voice activity detection) and what uses them: the syllable spread
and the tightening of word ends (see :mod:`core_engine.alignment`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core_engine.alignment.words import (
    Samples,
    Token,
    WordTiming,
    syllable_count,
)

#: VAD analysis: 10 ms hop, 25 ms window (the usual speech-analysis frame); a frame is voiced when its RMS level is
#: above ``max(peak − 35 dB, noise floor + 12 dB)`` (noise floor = 10th percentile of frame levels). Gaps shorter
#: than 150 ms are bridged (stop closures inside words), regions shorter than 40 ms dropped (clicks).
VAD_HOP_SECONDS = 0.010
VAD_WINDOW_SECONDS = 0.025
VAD_BELOW_PEAK_DB = 35.0
VAD_ABOVE_FLOOR_DB = 12.0
VAD_MIN_GAP_SECONDS = 0.15
VAD_MIN_REGION_SECONDS = 0.04
#: A word's end is pulled back to its last voiced frame plus this tail (s), so a pause after it is not part of it.
END_TAIL_SECONDS = 0.03


# -- voiced regions ---------------------------------------------------------------------------------------------------


#: Frames of :func:`frame_levels_db` computed per pass (30 s): the float64 work arrays stay ~15 MB whatever the
#: length (in one pass, a 10-minute recording took 270 MB: issue 9, row 2).
_LEVEL_CHUNK_FRAMES = 3000


def frame_levels_db(samples: Samples, sample_rate: int) -> Samples:
    """RMS level (dBFS) of 25 ms frames every 10 ms; frame ``i`` is centred at ``i * 0.010 + 0.0125`` s. Computed in
    passes of :data:`_LEVEL_CHUNK_FRAMES` frames (running sums of squares, in float64)."""
    hop = max(1, round(VAD_HOP_SECONDS * sample_rate))
    win = max(hop, round(VAD_WINDOW_SECONDS * sample_rate))
    x: Samples = np.asarray(samples).reshape(-1)
    if x.size < win:
        x = np.pad(x, (0, win - x.size))
    n = 1 + (x.size - win) // hop
    energy = np.empty(n, dtype=np.float64)
    for f0 in range(0, n, _LEVEL_CHUNK_FRAMES):
        f1 = min(n, f0 + _LEVEL_CHUNK_FRAMES)
        part = x[f0 * hop : (f1 - 1) * hop + win].astype(np.float64)
        power = np.concatenate([[0.0], np.cumsum(part * part)])
        starts = np.arange(f1 - f0) * hop
        energy[f0:f1] = (power[starts + win] - power[starts]) / win
    return np.asarray(10.0 * np.log10(np.maximum(energy, 1e-12)), dtype=np.float64)


def voiced_mask(samples: Samples, sample_rate: int) -> Samples:
    """Boolean per 10 ms frame (see :func:`frame_levels_db`): True where speech is likely (thresholds above)."""
    levels = frame_levels_db(samples, sample_rate)
    threshold = max(float(levels.max()) - VAD_BELOW_PEAK_DB, float(np.percentile(levels, 10)) + VAD_ABOVE_FLOOR_DB)
    return np.asarray(levels > threshold)


def voiced_regions(samples: Samples, sample_rate: int) -> list[tuple[float, float]]:
    """Voiced regions ``[(start_s, end_s), ...]`` in order: frames of :func:`voiced_mask`, gaps under 150 ms bridged,
    regions under 40 ms dropped. Empty for silence."""
    mask = voiced_mask(samples, sample_rate)
    regions: list[list[float]] = []
    for i in np.flatnonzero(mask):
        t0 = float(i) * VAD_HOP_SECONDS
        t1 = t0 + VAD_WINDOW_SECONDS
        if regions and t0 - regions[-1][1] < VAD_MIN_GAP_SECONDS:
            regions[-1][1] = t1
        else:
            regions.append([t0, t1])
    duration = samples.shape[0] / sample_rate
    return [(a, min(b, duration)) for a, b in regions if b - a >= VAD_MIN_REGION_SECONDS]


def spread_by_syllables(tokens: Sequence[Token], samples: Samples, sample_rate: int) -> list[WordTiming]:
    """The fallback: lay ``tokens`` over the voiced regions of ``samples`` in proportion to their syllable counts.

    The voiced regions (:func:`voiced_regions`) are joined into one "speech clock"; each word gets a share of it equal
    to its share of the syllables, and its start/end are mapped back to real time (a boundary falling exactly on a
    region's end moves to the next region's start, so pauses fall between words). When nothing is voiced the whole
    recording is used. Error: typically 100–400 ms per word; exact only at the first start and the last end.
    """
    duration = samples.shape[0] / sample_rate
    regions = voiced_regions(samples, sample_rate) or [(0.0, duration)]
    lengths = np.array([b - a for a, b in regions])
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    weights = np.array([syllable_count(t.text) for t in tokens], dtype=np.float64)
    bounds = np.concatenate([[0.0], np.cumsum(weights)]) / max(weights.sum(), 1.0) * cum[-1]

    def to_time(clock: float, prefer_next: bool) -> float:
        i = int(np.searchsorted(cum, clock, side="right" if prefer_next else "left")) - 1
        i = min(max(i, 0), len(regions) - 1)
        return float(regions[i][0] + (clock - cum[i]))

    out = []
    for k, tok in enumerate(tokens):
        start = to_time(float(bounds[k]), prefer_next=True)
        end = max(start + 0.001, to_time(float(bounds[k + 1]), prefer_next=False))
        out.append(WordTiming(tok.text, start, min(end, duration)))
    return out


def tighten_ends(timings: Sequence[WordTiming], samples: Samples, sample_rate: int) -> list[WordTiming]:
    """Pull each word's end back to its last voiced frame (+30 ms), so a pause after a word is not shown as part of
    it. Starts are untouched; an end never moves before its start + 10 ms."""
    mask = voiced_mask(samples, sample_rate)
    out = []
    for t in timings:
        i0 = int(t.start / VAD_HOP_SECONDS)
        # frames whose window lies inside the word (a frame straddling its end belongs to the next word's onset)
        i1 = min(mask.size, int((t.end - VAD_WINDOW_SECONDS + 1e-9) / VAD_HOP_SECONDS) + 1)
        voiced = np.flatnonzero(mask[i0:i1])
        end = t.end
        if voiced.size:
            last = (i0 + int(voiced[-1])) * VAD_HOP_SECONDS + VAD_WINDOW_SECONDS + END_TAIL_SECONDS
            end = min(end, last)
        out.append(WordTiming(t.word, t.start, max(end, min(t.end, t.start + 0.01))))
    return out
