"""Shared pytest fixtures: every test gets its own media folder; the corpus is found or the test is skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("STORYREEL_NO_RECOVERY", "1")

#: The shared corpus of real photos and recordings (never copied into the repo).
CORPUS_DIR = Path(os.environ.get("STORYREEL_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    """Point MEDIA_ROOT at a fresh temporary folder for each test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def corpus() -> Path:
    """Folder of the shared corpus; skips the test with a reason when it is absent."""
    if not (CORPUS_DIR / "story.json").is_file():
        pytest.skip(f"shared corpus not found at {CORPUS_DIR} (set STORYREEL_CORPUS)")
    return CORPUS_DIR
