"""Issue 9 with real threads against the SQLite file database: concurrent deletes and reorders (row 5), a render
racing with edits (row 6), and queued narration meeting a later upload or lock (row 3)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment
from api.task_manager import TaskManager
from api.tests.helpers import image_upload, import_story, media_path, upload, upload_from, write_image, write_wav

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls: Callable[[APIClient], object]) -> list:
    """Run each call in its own thread with its own client, released at the same instant; returns the results
    (responses) in order. Each thread closes its database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int, call: Callable[[APIClient], object]) -> None:
        try:
            client = APIClient()
            barrier.wait(timeout=10)
            results[i] = call(client)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def indexes(project_id: str) -> list[int]:
    return list(
        Segment.objects.filter(project_id=project_id)
        .order_by("sequence_index")
        .values_list("sequence_index", flat=True)
    )


# -- row 5 ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("trial", range(5))
def test_deleting_adjacent_segments_at_once_never_fails(client: APIClient, trial: int) -> None:
    project = import_story(client, [f"S{i}." for i in range(6)])
    a, b = project["segments"][2]["id"], project["segments"][3]["id"]
    results = run_together(lambda c: c.delete(f"/api/segments/{a}/"), lambda c: c.delete(f"/api/segments/{b}/"))
    assert [r.status_code for r in results] == [204, 204], [r.content for r in results]
    assert indexes(project["id"]) == [0, 1, 2, 3]


@pytest.mark.parametrize("trial", range(3))
def test_a_delete_racing_a_reorder_gives_clear_answers(client: APIClient, trial: int) -> None:
    project = import_story(client, [f"S{i}." for i in range(5)])
    ids = [s["id"] for s in project["segments"]]
    results = run_together(
        lambda c: c.delete(f"/api/segments/{ids[1]}/"),
        lambda c: c.post(f"/api/projects/{project['id']}/reorder/", {"segment_ids": ids[::-1]}, format="json"),
    )
    deleted, reordered = (r.status_code for r in results)
    assert deleted == 204
    assert reordered in (200, 400), results[1].content  # 400: the list no longer matches (the delete went first)
    assert indexes(project["id"]) == [0, 1, 2, 3]


# -- row 6 ----------------------------------------------------------------------------------------------------------
def _renderable(client: APIClient, tmp_path: Path, count: int = 2) -> dict:
    project = import_story(client, [f"Segment {i}." for i in range(count)], title="Race")
    patch = {"resolution_width": 320, "resolution_height": 180, "framerate": 12}
    assert client.patch(f"/api/projects/{project['id']}/", patch, format="json").status_code == 200
    for i, seg in enumerate(project["segments"]):
        image = write_image(tmp_path / f"{i}.png", "PNG", size=(320, 180), colour=(40 * i, 90, 160))
        audio = write_wav(tmp_path / f"{i}.wav", 0.6)
        resp = upload(client, seg["id"], image_file=upload_from(image), audio_file=upload_from(audio))
        assert resp.status_code == 200, resp.content
    return client.get(f"/api/projects/{project['id']}/").json()


@pytest.mark.parametrize("trial", range(3))
def test_a_render_racing_edits_renders_a_consistent_project(client: APIClient, tmp_path: Path, trial: int) -> None:
    project = _renderable(client, tmp_path, 3)
    first, last = project["segments"][0]["id"], project["segments"][2]["id"]
    results = run_together(
        lambda c: c.post(f"/api/projects/{project['id']}/render/"),
        lambda c: upload(c, first, image_file=image_upload("new.jpg", size=(320, 180), colour=(250, 250, 0))),
        lambda c: c.delete(f"/api/segments/{last}/"),
    )
    render, image, delete = (r.status_code for r in results)
    assert render == 202, results[0].content
    assert image in (200, 409) and delete in (204, 409), [r.content for r in results]
    TaskManager.get_instance().wait(f"render_{project['id']}", timeout=120)
    done = Project.objects.get(pk=project["id"])
    assert done.status == ProjectStatus.COMPLETED, done.render_error
    # what the render saw is what was accepted before it: the segment count matches the accepted delete
    expected_segments = 2 if delete == 204 else 3
    assert Segment.objects.filter(project_id=project["id"]).count() == expected_segments
    assert results[0].json()["total_segments"] == expected_segments or delete == 409


def test_edits_after_an_accepted_render_get_409(client: APIClient, tmp_path: Path, hold_worker) -> None:
    project = _renderable(client, tmp_path, 2)
    assert client.post(f"/api/projects/{project['id']}/render/").status_code == 202
    seg = project["segments"][1]["id"]
    assert client.delete(f"/api/segments/{seg}/").status_code == 409
    assert upload(client, seg, image_file=image_upload()).status_code == 409
    reorder = {"segment_ids": [s["id"] for s in project["segments"]][::-1]}
    assert client.post(f"/api/projects/{project['id']}/reorder/", reorder, format="json").status_code == 409
    assert (
        client.post("/api/segments/", {"project": project["id"], "text_content": "x"}, format="json").status_code == 409
    )


# -- row 3 ----------------------------------------------------------------------------------------------------------
def test_queued_narration_respects_a_later_upload_and_lock(client: APIClient, tmp_path: Path, hold_worker) -> None:
    project = import_story(client, ["First words here.", "Second words here.", "Third words here."])
    s1, s2, s3 = (s["id"] for s in project["segments"])
    queued = client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json")
    assert queued.status_code == 202 and queued.json()["segments_to_process"] == 3
    recording = write_wav(tmp_path / "mine.wav", 0.7, freq=300.0)
    uploaded = upload(client, s1, audio_file=upload_from(recording))
    assert uploaded.status_code == 200
    uploaded_file = media_path(uploaded.json()["audio_file"])
    assert client.patch(f"/api/segments/{s2}/", {"is_locked": True}, format="json").status_code == 200
    hold_worker.set()
    TaskManager.get_instance().wait(queued.json()["task_id"], timeout=120)
    status = client.get(f"/api/tasks/{queued.json()['task_id']}/status/").json()
    assert status["status"] == "COMPLETED", status
    assert [c["segment_id"] for c in status["completed_segments"]] == [s3]
    assert {e["segment_id"] for e in status["errors"]} == {s1, s2}
    seg1, seg2, seg3 = (Segment.objects.get(pk=s) for s in (s1, s2, s3))
    assert media_path(f"/media/{seg1.audio_file.name}") == uploaded_file and uploaded_file.read_bytes() == (
        recording.read_bytes()
    )
    assert seg1.audio_text_hash == "" and abs(seg1.audio_duration - 0.7) < 0.01
    assert not seg2.audio_file and seg2.is_locked
    assert seg3.audio_file and seg3.audio_matches_text is True
    # no half-made narration is left behind for the skipped segments
    audio_dir = uploaded_file.parent
    assert not list(audio_dir.glob(".*.part.wav"))
    assert not (audio_dir / f"{s1}.wav").exists() and not (audio_dir / f"{s2}.wav").exists()


def test_status_reads_are_not_blocked_by_a_writer_holding_the_database(tmp_path: Path) -> None:
    """Issue 9 row 14: the database runs in write-ahead-log mode, so a status poll reads while a render's progress
    update holds the write lock (in SQLite's default rollback journal the read would wait in busy-handler steps of
    up to 100 ms, or, here, until the writer lets go)."""
    import sqlite3

    client = APIClient()
    project_id = import_story(client, ["One.", "Two."])["id"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=1, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE api_project SET title = 'Renamed mid-read' WHERE 1 = 0")
    got: list[int] = []

    def read() -> None:
        try:
            got.append(APIClient().get(f"/api/projects/{project_id}/status/").status_code)
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(timeout=10)
    writer.execute("ROLLBACK")
    writer.close()
    assert not reader.is_alive() and got == [200]
