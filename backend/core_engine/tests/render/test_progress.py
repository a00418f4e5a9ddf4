"""The progress record and the tracker that builds it (percentage, boundaries, stages, ETA), with a fake clock."""

from __future__ import annotations

import pytest

from core_engine.render.progress import ProgressRecord, ProgressTracker, RenderCancelled, Stage


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_percentage_is_an_int_that_never_decreases_and_hits_the_boundaries() -> None:
    clock = FakeClock()
    seen: list[ProgressRecord] = []
    tracker = ProgressTracker(3, seen.append, clock)
    tracker.report(0, "start", Stage.VALIDATE)
    tracker.report(0, "a third of segment 1", Stage.scene_build(1), 0.5)
    tracker.report(1, "segment 1 done", Stage.scene_build(2))
    tracker.report(0, "late report from an earlier step", Stage.scene_build(2))  # cannot move the bar back
    tracker.report(2, "segment 2 done", Stage.scene_build(3), 2.0)  # partial is clamped to 0..1
    tracker.report(3, "all done", Stage.CONCAT)
    assert [r.percentage for r in seen] == [0, 16, 33, 33, 100, 100]
    assert all(isinstance(r.percentage, int) for r in seen)
    assert seen[2].percentage == int(1 / 3 * 100) and seen[2].stage == "SCENE_BUILD[2]"
    assert seen[-1] == tracker.record and seen[-1].total_segments == 3


def test_eta_follows_the_rate_of_progress_and_ignores_work_done_for_free() -> None:
    clock = FakeClock()
    seen: list[ProgressRecord] = []
    tracker = ProgressTracker(4, seen.append, clock)
    tracker.set_baseline(2)  # two segments from the cache: 50 % at no cost
    tracker.report(2, "reused", Stage.VALIDATE)
    assert seen[-1].percentage == 50 and seen[-1].eta_seconds is None  # no work measured yet
    clock.now += 10.0
    tracker.report(3, "one encoded", Stage.scene_build(4))
    # 25 % of real progress in 10 s; 25 % left → 10 s.
    assert seen[-1].eta_seconds == pytest.approx(10.0)
    clock.now += 10.0
    tracker.report(4, "done", Stage.FINALIZE)
    assert seen[-1].eta_seconds == 0.0


def test_due_after_the_interval_and_a_raising_callback_propagates() -> None:
    clock = FakeClock()
    tracker = ProgressTracker(1, None, clock)
    assert not tracker.due()
    clock.now += 0.3
    assert tracker.due()
    tracker.report(0, "x", Stage.AUDIO_PREP)
    assert not tracker.due()

    def cancel(record: ProgressRecord) -> None:
        raise RenderCancelled(record.stage)

    with pytest.raises(RenderCancelled, match="AUDIO_PREP"):
        ProgressTracker(2, cancel, clock).report(0, "narration", Stage.AUDIO_PREP)


def test_record_round_trips_through_its_dict() -> None:
    record = ProgressRecord(1, 4, 25, "Encoding segment 2 of 4 (0%)", Stage.scene_build(2), 12.5)
    data = record.to_dict()
    assert data == {
        "current_segment": 1, "total_segments": 4, "percentage": 25,
        "current_phase": "Encoding segment 2 of 4 (0%)", "stage": "SCENE_BUILD[2]", "eta_seconds": 12.5,
    }  # fmt: skip
    assert ProgressRecord.from_dict({**data, "unknown": 1}) == record
    assert ProgressRecord.from_dict(None) == ProgressRecord()
