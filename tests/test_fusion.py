"""Fusion methods, recency weighting and the reranking hook, through the settings users set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from bot.errors import ConfigError
from tests.conftest import make_settings

COALITION = "002_c5ccbac007a06862.txt"


def archive_with(data_dir: Path, **settings: object) -> Archive:
    return build_archive(make_settings(data_dir, **settings))


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_both_fusions_find_the_article(seeds_archive: Archive, fusion: str) -> None:
    archive = archive_with(seeds_archive.settings.data_dir, fusion=fusion)
    hits = archive.retriever.search("thirty nations met online on security assurances", top_k=3)
    assert hits[0].chunk.article_id == COALITION
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.dense_rank or h.lexical_rank for h in hits)


def test_dense_weight_decides_between_the_rankers(seeds_archive: Archive) -> None:
    query = "coalition security guarantees meeting"
    dense = seeds_archive.retriever.search(query, top_k=4, mode="dense")
    lexical = seeds_archive.retriever.search(query, top_k=4, mode="bm25")
    only_dense = archive_with(seeds_archive.settings.data_dir, dense_weight=1.0)
    only_lexical = archive_with(seeds_archive.settings.data_dir, dense_weight=0.0)
    assert [h.chunk.id for h in only_dense.retriever.search(query, top_k=4)][:1] == [
        dense[0].chunk.id
    ]
    assert [h.chunk.id for h in only_lexical.retriever.search(query, top_k=4)][:1] == [
        lexical[0].chunk.id
    ]


@pytest.fixture(scope="module")
def two_dated_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two equally relevant reports of a dock strike, five months apart."""
    data_dir = tmp_path_factory.mktemp("recency") / "data"
    feed = data_dir.parent / "feed.jsonl"
    records = [
        {"id": "january", "title": "Dock strike at Felixstowe", "published": "2005-01-10",
         "text": "Dock workers at Felixstowe walked out on Monday in a dispute over pay and "
                 "shift patterns, halting container traffic at the port."},
        {"id": "june", "title": "Dock strike at Felixstowe", "published": "2005-06-10",
         "text": "Dock workers at Felixstowe walked out again on Friday in a dispute over pay "
                 "and overtime, halting container ships at the port."},
    ]  # fmt: skip
    feed.write_text("\n".join(json.dumps(r) for r in records))
    archive = archive_with(data_dir)
    archive.ingestor.ingest_paths([feed])
    archive.close()
    yield data_dir


def order(data_dir: Path, **settings: object) -> list[str]:
    archive = archive_with(data_dir, collapse_near_duplicates=False, **settings)
    try:
        return [h.chunk.article_id for h in archive.retriever.search("Felixstowe dock strike pay")]
    finally:
        archive.close()


def test_recency_weighting_puts_the_newer_report_first(two_dated_reports: Path) -> None:
    assert order(two_dated_reports) == ["january", "june"]  # its wording matches a bit better
    recent_first = order(two_dated_reports, recency_half_life_days=30, recency_weight=0.9)
    assert recent_first == ["june", "january"]


def test_a_reranker_named_in_the_settings_reorders_passages(seeds_archive: Archive) -> None:
    query = "Ukraine talks"
    plain = seeds_archive.retriever.search(query, top_k=4)
    reranked_archive = archive_with(
        seeds_archive.settings.data_dir, reranker="tests.rerankers:longest_first"
    )
    reranked = reranked_archive.retriever.search(query, top_k=4)
    assert {p.chunk.id for p in reranked} == {p.chunk.id for p in plain}
    lengths = [len(p.chunk.text) for p in reranked]
    assert lengths == sorted(lengths, reverse=True)


@pytest.mark.parametrize(
    "spec", ["no_such_module:factory", "tests.rerankers:missing", "tests.rerankers:not_a_reranker",
             "nocolon"],
)  # fmt: skip
def test_a_bad_reranker_setting_is_a_clear_config_error(tmp_path: Path, spec: str) -> None:
    archive = archive_with(tmp_path / "data", reranker=spec)
    with pytest.raises(ConfigError, match="NEWSBOT_RERANKER"):
        _ = archive.retriever
