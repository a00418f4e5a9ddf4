"""``render_project``: the plan built from the database, the cache kept to the current plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core_engine.render.keys import cache_keys
from core_engine.render.plan import PlanSegment, RenderError, RenderPlan, RenderSettings
from core_engine.render.progress import ProgressRecord
from core_engine.tests.render.helpers import FPS, PALETTE, H, W, decode_frames, make_image, make_tone
from core_engine.video_renderer import render_project


@pytest.mark.django_db
def test_render_project_builds_the_plan_from_the_database(media_root: Path) -> None:
    from api.models import GlobalSettings, Project, Segment

    project = Project.objects.create(title="Story", resolution_width=W, resolution_height=H, framerate=FPS)
    gs = GlobalSettings.load()
    gs.zoom_intensity = 1.5
    gs.save()
    folder = media_root / "projects" / str(project.id)
    (folder / "images").mkdir(parents=True)
    (folder / "audio").mkdir()
    durations = []
    for i in range(3):
        make_image(folder / "images" / f"{i}.png", PALETTE[i])
        d = make_tone(folder / "audio" / f"{i}.wav", 0.5 + 0.25 * i)
        durations.append(d)
        Segment.objects.create(
            project=project,
            sequence_index=2 - i,  # stored out of order: the plan must follow sequence_index
            image_file=f"projects/{project.id}/images/{i}.png",
            audio_file=f"projects/{project.id}/audio/{i}.wav",
            audio_duration=d if i != 1 else None,  # a missing duration is measured from the file
        )
    calls: list[ProgressRecord] = []
    result = render_project(str(project.id), calls.append)
    out = folder / "output" / "final.mp4"
    assert result.output_path == out and out.is_file()
    frames = decode_frames(out)
    # sequence_index order is 2, 1, 0 → the last created image (index 2) comes first.
    first, last = frames[1].reshape(-1, 3).mean(axis=0), frames[-2].reshape(-1, 3).mean(axis=0)
    assert np.abs(first - PALETTE[2]).max() < 6 and np.abs(last - PALETTE[0]).max() < 6
    assert result.frame_count == int(np.floor(sum(durations) * FPS + 0.5))
    assert calls[-1].current_segment == calls[-1].total_segments == 3

    cache = folder / "cache"
    entries = {p.name.split(".")[0] for p in cache.iterdir() if p.name != "manifest.json"}
    plan_segments = tuple(
        PlanSegment(str(s.id), Path(s.image_file.path), Path(s.audio_file.path), s.audio_duration or durations[1])
        for s in project.segments.order_by("sequence_index")
    )
    assert entries == cache_keys(RenderPlan(plan_segments, RenderSettings(W, H, FPS, zoom_intensity=1.5)))

    # A new picture for one segment: only that segment is encoded again, and the old entry is pruned.
    seg = project.segments.get(sequence_index=1)
    make_image(folder / "images" / "new.png", PALETTE[5])
    seg.image_file = f"projects/{project.id}/images/new.png"
    seg.save()
    again = render_project(str(project.id))
    assert (again.rendered_segments, again.reused_segments) == (1, 2)
    assert len([p for p in cache.iterdir() if p.suffix == ".mp4"]) == 3

    # A segment without a picture is refused with its 1-based number.
    seg.image_file = None
    seg.save()
    with pytest.raises(RenderError, match=r"^Segment 2 has no image"):
        render_project(str(project.id))
    with pytest.raises(RenderError, match="does not exist"):
        render_project("00000000-0000-0000-0000-000000000000")
