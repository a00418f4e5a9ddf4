"""The content-addressed cache: atomic entries, pruning, file hashes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core_engine.render.cache import MANIFEST_NAME, SegmentCache, file_sha256, make_key, prune_cache


def test_entries_are_published_atomically_and_pruning_removes_strays(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "c")
    key = make_key({"x": 1})
    assert cache.get(key, ".mp4") is None
    temp = cache.temp_path(key, ".mp4")
    assert temp.parent == cache.dir and temp.name.startswith(".") and temp.suffix == ".mp4" and ".part" in temp.name
    temp.write_bytes(b"data")
    assert cache.get(key, ".mp4") is None  # not visible until published
    path = cache.publish(temp, key, ".mp4")
    assert path == cache.get(key, ".mp4") and not temp.exists()

    other = make_key({"x": 2})
    (cache.dir / f"{other}.mp4").write_bytes(b"old")
    (cache.dir / f".{key}.123-abcd.part.mp4").write_bytes(b"crashed half-way")
    (cache.dir / "notes.txt").write_text("?")
    cache.write_manifest({"final_key": "k"})
    assert prune_cache(cache.dir, {key}) == 3
    assert sorted(p.name for p in cache.dir.iterdir()) == sorted([f"{key}.mp4", MANIFEST_NAME])
    assert cache.read_manifest() == {"final_key": "k"}
    assert prune_cache(tmp_path / "missing", set()) == 0


def test_file_hash_follows_the_content(tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"one")
    h1 = file_sha256(f)
    assert h1 == file_sha256(f)
    f.write_bytes(b"two!")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))
    assert file_sha256(f) != h1
    with pytest.raises(FileNotFoundError):
        file_sha256(tmp_path / "missing")
