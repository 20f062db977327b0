"""The `newsbot` command as a user runs it: a real subprocess against a real data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEEDS, CliIngest, newsbot


def test_ingest_search_stats(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = newsbot(data, "ingest", str(SEEDS), "--json")
    assert first.returncode == 0, first.stderr
    assert "DEBUG" not in first.stderr  # libraries' chatter (bm25s logs at DEBUG) stays quiet
    report = json.loads(first.stdout)
    assert (report["new"], report["totals"]["articles"]) == (4, 4)
    again = json.loads(newsbot(data, "ingest", str(SEEDS), "--json").stdout)
    assert (again["unchanged"], again["totals"]["chunks"]) == (4, report["totals"]["chunks"])

    found = newsbot(data, "search", "Lavrov and Rubio meet in Saudi Arabia", "--json", "-k", "2")
    results = json.loads(found.stdout)["results"]
    assert results[0]["article_id"] == "003_8e9a2609f1a46fa1.txt"
    text = (SEEDS / "003_8e9a2609f1a46fa1.txt").read_text()
    assert results[0]["text"] in text and results[0]["end"] > results[0]["start"]

    stats = json.loads(newsbot(data, "stats", "--json").stdout)
    assert stats["articles"] == 4 and stats["embedding_model"] == "all-MiniLM-L6-v2-onnx-int8"
    assert stats["data_dir"] == str(data.resolve())


def test_exit_codes(tmp_path: Path) -> None:
    missing = newsbot(tmp_path / "data", "ingest", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.txt").write_text("")
    (junk / "b.json").write_text("{oops")
    nothing = newsbot(tmp_path / "data", "ingest", str(junk))
    assert nothing.returncode == 1
    assert "empty file" in nothing.stdout and "malformed JSON" in nothing.stdout


def test_files_from_two_folders_keep_their_own_ids_and_sources(tmp_path: Path, bbc: Path) -> None:
    """The issue's case: two 001.txt files given together are two articles, never one."""
    data = tmp_path / "data"
    both = newsbot(data, "ingest", str(bbc / "business/001.txt"), str(bbc / "sport/001.txt"))
    assert both.returncode == 0, both.stderr
    said = " ".join(both.stdout.split())  # the terminal width wraps lines
    assert "new 2" in said and "conflicts 0" in said
    listed = json.loads(newsbot(data, "sources", "--json").stdout)["sources"]
    assert [(s["name"], s["articles"], s["undated"]) for s in listed] == [
        ("business", 1, 1), ("sport", 1, 1),
    ]  # fmt: skip
    alone = newsbot(data, "ingest", str(bbc / "tech/001.txt"), "--source", "bbc")
    assert "new 1" in " ".join(alone.stdout.split())
    clash = newsbot(data, "ingest", str(bbc / "politics/001.txt"), "--id-prefix", "sport")
    said = " ".join(clash.stdout.split())
    assert "conflicts 1" in said and "'sport/001.txt' already taken by" in said
    stats = json.loads(newsbot(data, "stats", "--json").stdout)
    assert (stats["articles"], stats["undated"]) == (3, 3)
    table = newsbot(data, "sources").stdout
    assert "bbc" in table and "no dates" in table
    bad_date = newsbot(tmp_path / "data", "search", "x", "--after", "March")
    assert bad_date.returncode == 2 and "2005-03-01" in bad_date.stderr


@pytest.mark.slow
def test_whole_bbc_corpus(bbc_ingested: CliIngest) -> None:
    """2,225 files: 98 exact duplicates stored once, the cp1252 file's £ intact, README skipped."""
    data, report = bbc_ingested.data_dir, bbc_ingested.report
    assert report["totals"]["articles"] == 2127 and report["duplicate"] == 98
    assert report["failed"] == [
        {"where": "README.TXT", "reason": "a README or licence file, not an article"}
    ]
    assert report["warnings"] == [{"where": "sport/199.txt", "reason": "not UTF-8; read as cp1252"}]
    stats = json.loads(newsbot(data, "stats", "--json").stdout)
    assert (stats["articles"], stats["duplicates"]) == (2127, 98)
    found = json.loads(newsbot(data, "search", "Mutu signing £15.8m Chelsea", "--json").stdout)
    assert any("£15.8m" in r["text"] for r in found["results"])
    sources = json.loads(newsbot(data, "sources", "--json").stdout)["sources"]
    assert sources == [
        {"name": "bbc", "articles": 2127, "oldest": None, "newest": None, "undated": 2127}
    ]
    assert stats["undated"] == 2127
    spanish = json.loads(newsbot(data, "search", "volvió loco en el Bernabéu", "--json").stdout)
    assert any("volvió loco" in r["text"] for r in spanish["results"])
    assert not any("&#" in r["text"] for r in spanish["results"])
