"""Ingest is idempotent, follows changes, records duplicates, prunes, and survives bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient

from bot.container import Archive, build_archive
from index.embedding import WordPieceCounter
from index.search.retrieval import SearchFilters
from index.sentences import quotable_spans
from tests.conftest import SEEDS, make_settings


def consistent(archive: Archive) -> set[str]:
    """Chroma holds exactly the catalog's chunks, each with its sentence vectors and their
    word pieces; returns them."""
    in_catalog = archive.catalog.chunk_ids()
    assert archive.vectors.ids() == in_catalog
    assert archive.vectors.count() == len(in_catalog)
    chunks = archive.catalog.chunks(sorted(in_catalog))
    sentences = archive.catalog.sentence_vectors(sorted(in_catalog))
    assert set(sentences) == in_catalog
    tokenizer = WordPieceCounter().tokenizer
    for chunk in chunks:
        spans = quotable_spans(chunk.text)
        assert list(sentences[chunk.id].spans) == spans
        words = sentences[chunk.id].words
        assert words is not None and len(words) == len(spans)
        for n, (start, end) in enumerate(spans):
            # a sentence's pieces, read in its chunk, are the pieces of its own text
            alone = tokenizer.encode(chunk.text[start:end], add_special_tokens=False).ids
            assert words.words(n).ids.tolist() == alone
    return in_catalog


def copy_seeds(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    return folder


def test_seeds_twice_changes_nothing(archive: Archive, tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    first = archive.ingestor.ingest_paths([seeds])
    chunks = consistent(archive)
    second = archive.ingestor.ingest_paths([seeds])
    assert (first.new, first.unchanged) == (4, 0)
    assert (second.new, second.updated, second.unchanged, second.chunks_added) == (0, 0, 4, 0)
    assert consistent(archive) == chunks
    assert archive.stats()["articles"] == 4


def test_changed_article_replaces_its_chunks(archive: Archive, tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    archive.ingestor.ingest_paths([seeds])
    target = sorted(seeds.iterdir())[3]
    old = archive.catalog.chunk_ids(target.name)
    target.write_text(target.read_text() + "\n\nA late paragraph says the talks moved to Vienna.")
    report = archive.ingestor.ingest_paths([seeds])
    new = archive.catalog.chunk_ids(target.name)
    assert (report.updated, report.unchanged) == (1, 3)
    assert new and not (old & new)  # chunk ids follow the content
    assert not (old & consistent(archive))
    [hit] = archive.retriever.search("talks moved to Vienna late paragraph", top_k=1)
    assert hit.chunk.article_id == target.name and "Vienna" in hit.chunk.text


def _story(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{text.split('.')[0]}\n\n{text}")


def test_two_folders_keep_every_article_and_conflicts_are_never_replaced(
    archive: Archive, tmp_path: Path
) -> None:
    """The issue's case: two folders each holding 001.txt and 002.txt end with 4 articles."""
    a, b = tmp_path / "two/a", tmp_path / "two/b"
    for n, folder in enumerate((a, b)):
        _story(folder, "001.txt", f"The harbour {n} reopened after the storm. Boats returned.")
        _story(folder, "002.txt", f"The bridge {n} was painted blue. Traffic slowed for weeks.")
    report = archive.ingestor.ingest_paths([a, b])
    assert (report.new, report.conflicts) == (4, [])
    assert archive.stats()["articles"] == 4
    assert archive.catalog.article("b/001.txt").source == "b"  # type: ignore[union-attr]

    # each folder alone takes ids 001.txt and 002.txt: the second one must not replace the first
    other = build_archive(make_settings(tmp_path / "other"))
    try:
        assert other.ingestor.ingest_paths([a]).new == 2
        clash = other.ingestor.ingest_paths([b])
        assert clash.new == 0 and len(clash.conflicts) == 2
        assert "already taken by" in clash.conflicts[0].reason
        assert "harbour 0" in other.catalog.article("001.txt").text  # type: ignore[union-attr]
        renamed = other.ingestor.ingest_paths([b], id_prefix="b")
        assert (renamed.new, renamed.conflicts) == (2, [])
        assert other.stats()["articles"] == 4
    finally:
        other.close()


def test_a_deleted_article_comes_back_when_its_folder_is_ingested_again(
    archive: Archive, tmp_path: Path
) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    archive.ingestor.ingest_paths([seeds])
    victim = sorted(seeds.iterdir())[0].name
    assert archive.ingestor.delete(victim)
    assert archive.stats()["articles"] == 3
    report = archive.ingestor.ingest_paths([seeds])
    assert (report.new, report.unchanged, report.conflicts) == (1, 3, [])
    assert archive.stats()["articles"] == 4 and archive.catalog.article(victim) is not None
    consistent(archive)


def test_the_same_record_twice_in_one_file_is_taken_once(archive: Archive, tmp_path: Path) -> None:
    record = json.dumps({"id": "twice", "text": "The same telling, twice."})
    (tmp_path / "twice.jsonl").write_text(f"{record}\n{record}\n")
    report = archive.ingestor.ingest_paths([tmp_path / "twice.jsonl"])
    assert (report.new, report.unchanged, report.conflicts) == (1, 1, [])
    consistent(archive)


def test_two_files_of_one_ingest_under_one_id_are_a_conflict(
    archive: Archive, tmp_path: Path
) -> None:
    lines = [{"id": "x", "text": "First telling."}, {"id": "x", "text": "Second telling."}]
    (tmp_path / "twice.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    report = archive.ingestor.ingest_paths([tmp_path / "twice.jsonl"])
    assert report.new == 1 and [c.where for c in report.conflicts] == ["x"]
    assert archive.catalog.article("x").text == "First telling."  # type: ignore[union-attr]


def test_exact_duplicate_is_stored_once_as_an_alias(archive: Archive, tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    original = sorted(seeds.iterdir())[0]
    shutil.copy(original, seeds / "zz_copy.txt")
    report = archive.ingestor.ingest_paths([seeds])
    assert (report.new, report.duplicate) == (4, 1)
    assert archive.stats()["duplicates"] == 1
    article = archive.catalog.article("zz_copy.txt")
    assert article is not None and article.id == original.name
    assert article.aliases == ("zz_copy.txt",)
    assert archive.ingestor.ingest_paths([seeds]).duplicate == 1  # still one, nothing added


def test_prune_removes_vanished_files_and_promotes_aliases(
    archive: Archive, tmp_path: Path
) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    first, second = sorted(seeds.iterdir())[:2]
    shutil.copy(first, seeds / "zz_copy.txt")
    archive.ingestor.ingest_paths([seeds])
    first.unlink()
    second.unlink()
    assert archive.ingestor.ingest_paths([seeds]).pruned == 0  # without --prune nothing goes
    report = archive.ingestor.ingest_paths([seeds], prune=True)
    assert report.pruned == 2
    assert archive.catalog.article(second.name) is None
    heir = archive.catalog.article("zz_copy.txt")
    assert heir is not None and heir.id == "zz_copy.txt" and heir.source == "seeds"
    assert archive.stats()["articles"] == 3 and archive.stats()["duplicates"] == 0
    consistent(archive)
    hits = archive.retriever.search(heir.title, top_k=3)
    assert "zz_copy.txt" in {h.chunk.article_id for h in hits}


def test_metadata_change_relabels_without_reembedding(archive: Archive, tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    record = {"id": "n1", "title": "Dock strike ends", "text": "Dock workers returned to work "
              "on Friday after a two-week strike over pay.", "published": "2005-01-10"}  # fmt: skip
    feed.write_text(json.dumps(record))
    archive.ingestor.ingest_paths([feed])
    chunks = archive.catalog.chunk_ids("n1")
    january = SearchFilters(published_after=date(2005, 1, 1), published_before=date(2005, 1, 31))
    assert archive.retriever.search("dock strike", filters=january)
    feed.write_text(json.dumps({**record, "published": "2005-06-10"}))
    report = archive.ingestor.ingest_paths([feed])
    assert (report.updated, report.chunks_added) == (1, 0)
    assert archive.catalog.chunk_ids("n1") == chunks
    consistent(archive)  # relabelled chunks keep their sentence vectors
    assert archive.catalog.article("n1").published == date(2005, 6, 10)  # type: ignore[union-attr]
    assert not archive.retriever.search("dock strike", filters=january)
    june = SearchFilters(published_after=date(2005, 6, 1))
    assert [p.chunk.article_id for p in archive.retriever.search("dock strike", filters=june)] == [
        "n1"
    ]


def test_bad_files_are_reported_while_the_rest_ingest(archive: Archive, tmp_path: Path) -> None:
    folder = copy_seeds(tmp_path / "mixed")
    (folder / "empty.txt").write_text("")
    (folder / "broken.json").write_text("[{")
    (folder / "feed.jsonl").write_text('{"id": "ok", "text": "Fine line."}\nnot json\n')
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = archive.ingestor.ingest_paths([folder])
    assert report.new == 5
    assert {p.where for p in report.failed} == {
        "empty.txt",
        "broken.json",
        "feed.jsonl#2",
        "photo.jpg",
    }
    consistent(archive)


def test_lost_vectors_are_detected_and_rebuilt(tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    settings = make_settings(tmp_path / "data")
    first = build_archive(settings)
    first.ingestor.ingest_paths([seeds])
    chunks = first.catalog.chunk_ids()
    first.close()
    shutil.rmtree(settings.chroma_path)  # someone wiped the vector store...
    SharedSystemClient.clear_system_cache()  # ...and a new process starts
    second = build_archive(settings)
    report = second.ingestor.ingest_paths([seeds])
    assert report.new == 4
    assert consistent(second) == chunks
    second.close()


def test_ingest_articles_and_delete(archive: Archive) -> None:
    from index.articles import Article

    report = archive.ingestor.ingest_articles(
        [
            Article(
                id="api/1", title="Rail fares rise", text="Rail fares will rise by 4% in January."
            )
        ]
    )
    assert report.new == 1
    assert archive.retriever.search("rail fares", top_k=1)[0].chunk.article_id == "api/1"
    assert archive.ingestor.delete("api/1") is True
    assert archive.ingestor.delete("api/1") is False
    assert archive.retriever.search("rail fares", top_k=1) == []
    consistent(archive)


def test_date_filters_leave_out_undated_articles(archive: Archive, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    dated = {"id": "dated", "text": "The ferry strike ended in Dover.", "published": "2005-01-10"}
    undated = {"id": "undated", "text": "The ferry strike ended in Calais."}
    feed.write_text(f"{json.dumps(dated)}\n{json.dumps(undated)}\n")
    archive.ingestor.ingest_paths([feed])
    before = SearchFilters(published_before=date(2005, 12, 31))
    for mode in ("dense", "bm25", "hybrid"):
        hits = archive.retriever.search("ferry strike", top_k=5, filters=before, mode=mode)
        assert [h.chunk.article_id for h in hits] == ["dated"], mode


def test_concurrent_bm25_saves_never_collide(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from index.lexical import LexicalIndex, LexicalRow

    folder = tmp_path / "bm25"
    rows = [
        LexicalRow(f"c{i}", f"a{i}", 0, f"story {i} about ferries and strikes") for i in range(200)
    ]

    def save_and_load(generation: int) -> int:
        LexicalIndex.build(rows[: 100 + generation], generation).save(folder)
        loaded = LexicalIndex.load(folder)
        assert loaded is not None and len(loaded.ids) == 100 + loaded.generation
        return loaded.generation

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(save_and_load, range(1, 25)))
    final = LexicalIndex.load(folder)
    assert final is not None and final.search("ferries", 3)
    assert len([p for p in folder.iterdir() if p.is_dir()]) <= 2 + 4  # old versions cleaned up


def test_a_reader_picks_up_another_writers_ingest(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    reader, writer = build_archive(settings), build_archive(settings)
    writer.ingestor.ingest_paths([copy_seeds(tmp_path / "seeds")])
    assert reader.retriever.search("Lavrov Rubio", top_k=1, mode="bm25")
    feed = tmp_path / "late.json"
    feed.write_text(json.dumps({"id": "late", "text": "Zanzibar cloves fetched record prices."}))
    writer.ingestor.ingest_paths([feed])
    hits = reader.retriever.search("Zanzibar cloves", top_k=1, mode="bm25")
    assert [h.chunk.article_id for h in hits] == ["late"]
    reader.close()
    writer.close()


def test_one_big_jsonl_is_written_in_bounded_batches(archive: Archive, tmp_path: Path) -> None:
    from index.ingestion.ingest import EMBED_BATCH_ARTICLES, Progress

    class Recorder(Progress):
        def __init__(self) -> None:
            self.chunk_batches: list[int] = []

        def advance(self, files: int, chunks: int) -> None:
            if chunks:
                self.chunk_batches.append(chunks)

    count = EMBED_BATCH_ARTICLES * 2 + 5
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(
        json.dumps({"id": f"n{i}", "text": f"Story {i} tells of harbour {i} reopening."})
        for i in range(count)
    ))  # fmt: skip
    recorder = Recorder()
    report = archive.ingestor.ingest_paths([feed], progress=recorder)
    assert report.new == count
    assert len(recorder.chunk_batches) == 3 and sum(recorder.chunk_batches) == count
    consistent(archive)


def test_writes_larger_than_chromas_batch_limit_are_split(archive: Archive) -> None:
    import numpy as np

    from index.articles import Article
    from index.chunking import Chunk

    article = Article(id="big", title="Big", text="x" * 7000)
    chunks = [Chunk(f"big:{i}", "big", i, i, i + 1, "x") for i in range(7000)]
    vectors = np.random.default_rng(1).normal(size=(7000, 384)).astype(np.float32)
    archive.vectors.add([(article, chunks)], vectors)
    assert archive.vectors.count() == 7000


def test_bm25_search_ranks_matches_only_best_first_and_honours_the_allowed_set() -> None:
    from index.lexical import LexicalIndex, LexicalRow

    rows = [
        LexicalRow(chunk, chunk, 0, text)
        for chunk, text in [
            ("strike", "ferry workers strike over pay; the ferry strike closes the port"),
            ("ferry", "a new ferry route opens between the islands"),
            ("weather", "storms and rain expected across the north"),
            ("twin", "a new ferry route opens between the islands"),  # ties with "ferry"
        ]
    ]
    lexical = LexicalIndex.build(rows, generation=1)
    found = lexical.search("ferry strike", top_k=10)
    assert [chunk for chunk, _ in found] == ["strike", "ferry", "twin"]  # no zero scores
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True) and scores[1] == scores[2]
    assert [c for c, _ in lexical.search("ferry strike", top_k=1)] == ["strike"]
    assert [c for c, _ in lexical.search("ferry", top_k=5, allowed={"twin", "weather"})] == ["twin"]
    assert lexical.search("ferry", top_k=5, allowed={"nowhere"}) == []
    assert lexical.search("the and of", top_k=5) == []  # stopwords only


def test_dense_search_weighs_as_many_hnsw_candidates_as_configured(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    def stored_search_ef() -> int:
        client = chromadb.PersistentClient(
            path=str(settings.chroma_path), settings=ChromaSettings(anonymized_telemetry=False)
        )
        collection = client.get_collection(settings.chroma_collection)
        return int(collection.configuration["hnsw"]["ef_search"])

    settings = make_settings(tmp_path / "data", chroma_search_ef=250)
    archive = build_archive(settings)
    archive.ingestor.ingest_paths([copy_seeds(tmp_path / "seeds")])
    archive.close()
    assert stored_search_ef() == 250
    settings = make_settings(tmp_path / "data", chroma_search_ef=120)  # changed later
    reopened = build_archive(settings)
    assert reopened.retriever.search("Lavrov Rubio Riyadh", top_k=1, mode="dense")
    reopened.close()
    assert stored_search_ef() == 120


def test_articles_stored_before_word_pieces_were_kept_get_them_on_the_next_ingest(
    archive: Archive, tmp_path: Path
) -> None:
    seeds = copy_seeds(tmp_path / "seeds")
    archive.ingestor.ingest_paths([seeds])
    chunk_ids = sorted(archive.catalog.chunk_ids())
    before = archive.catalog.sentence_vectors(chunk_ids)
    with sqlite3.connect(archive.settings.catalog_path) as db:
        db.execute("DELETE FROM chunk_words")  # what an index made before 0.3 looks like
    assert len(archive.catalog.articles_without_words()) == 4
    assert all(s.words is None for s in archive.catalog.sentence_vectors(chunk_ids).values())

    report = archive.ingestor.ingest_paths([seeds])

    assert (report.unchanged, report.chunks_added) == (4, 0)
    assert not archive.catalog.articles_without_words()
    after = archive.catalog.sentence_vectors(chunk_ids)
    consistent(archive)
    for chunk_id, kept in before.items():
        again = after[chunk_id].words
        assert kept.words is not None and again is not None
        assert np.array_equal(kept.words.ids, again.ids)
        # the same states; a product over another batch may round a component the other way
        drift = np.abs(kept.words.states.astype(int) - again.states.astype(int))
        assert drift.max() <= 1 and drift.mean() < 0.01
