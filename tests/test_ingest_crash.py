"""A `kill -9` in the middle of an ingest leaves a usable store that a re-run completes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from index.ingestion.loaders import iter_article_files, load_file
from tests.conftest import make_settings

SLICE = 90  # files from each of two categories: long enough to kill mid-way


def expected_counts(folder: Path, reference: Archive) -> tuple[int, int]:
    """Articles and chunks a clean ingest must end with, computed without embedding anything."""
    unique = {}
    for file in iter_article_files([folder]):
        for article in load_file(file, 5_000_000).articles:
            unique.setdefault(article.content_hash, article)
    return len(unique), sum(len(reference.ingestor.chunk(a)) for a in unique.values())


def committed_articles(catalog_path: Path) -> int:
    try:
        with sqlite3.connect(catalog_path, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_mid_ingest_then_rerun_completes(bbc: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for category in ("business", "tech"):
        (corpus / category).mkdir(parents=True)
        for path in sorted((bbc / category).iterdir())[:SLICE]:
            shutil.copy(path, corpus / category / path.name)
    settings = make_settings(tmp_path / "data")
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-m", "bot.cli", "ingest", str(corpus)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while committed_articles(settings.catalog_path) < 20 and process.poll() is None:
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    assert process.poll() is None, "ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = committed_articles(settings.catalog_path)
    articles, chunks = expected_counts(corpus, build_archive(make_settings(tmp_path / "ref")))
    assert 20 <= partial < articles

    # The half-done store is usable as it is...
    archive = build_archive(settings)
    assert archive.retriever.search("company profits", top_k=3)
    # ...and a re-run finishes the job with the counts of a clean run and no duplicates.
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    stats = archive.stats()
    assert (stats["articles"], stats["chunks"]) == (articles, chunks)
    assert archive.vectors.ids() == archive.catalog.chunk_ids()
    assert archive.vectors.count() == chunks
    archive.close()
