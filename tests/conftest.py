"""Shared fixtures: real components everywhere (embedded Chroma, the packaged model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
BBC = ROOT.parent / "shared" / "corpora" / "bbc"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings that ignore the developer's environment and .env file."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """An empty archive in a fresh data dir."""
    built = build_archive(make_settings(tmp_path / "data"))
    yield built
    built.close()


@pytest.fixture(scope="session")
def seeds_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The four seed articles, ingested once per test session; treat it as read-only."""
    built = build_archive(make_settings(tmp_path_factory.mktemp("seeds") / "data"))
    report = built.ingestor.ingest_paths([SEEDS])
    assert report.new == 4, report
    yield built
    built.close()


@pytest.fixture(scope="session")
def bbc() -> Path:
    if not BBC.is_dir():
        pytest.skip(f"the BBC corpus is not at {BBC}")
    return BBC
