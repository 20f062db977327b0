"""The idempotent, crash-safe ingest pipeline: files → articles → chunks → vectors + catalog + BM25.

Crash safety comes from ordering: vectors are written first, then the catalog row is committed
(the commit point), then superseded vectors are deleted. Every run starts by reconciling Chroma
with the catalog, so whatever a killed run left half-done is cleaned up and redone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.articles import Article
from index.catalog import Catalog
from index.chunking import Chunk, ChunkSpec, TokenCounter, chunk_article
from index.embedding import SpanEmbedder, TextEmbedder, WordStateEmbedder
from index.entities import Entity, EntityTagger, TaggingWorker
from index.ingestion.loaders import ArticleFile, Problem, iter_article_files, load_file
from index.lexical import LexicalIndex, LexicalRow
from index.sentence_vectors import SentenceVectors
from index.sentence_words import SentenceWords
from index.sentences import quotable_spans
from index.store import ChunkVectors
from index.stories import StoryFinder

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
EMBED_BATCH_ARTICLES = 32


@dataclass
class IngestReport:
    """What one ingest did, article by article."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    pruned: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    files: int = 0
    seconds: float = 0.0
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)  # ids taken by other content: kept

    @property
    def ingested(self) -> int:
        return self.new + self.updated + self.unchanged + self.duplicate

    def add(self, other: IngestReport) -> None:
        """Count another run's outcomes in this report too."""
        for name in ("new", "updated", "unchanged", "duplicate", "pruned", "chunks_added",
                     "chunks_removed", "files", "seconds"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failed += other.failed
        self.warnings += other.warnings
        self.conflicts += other.conflicts

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "duplicate": self.duplicate, "pruned": self.pruned, "files": self.files,
            "chunks_added": self.chunks_added, "chunks_removed": self.chunks_removed,
            "seconds": round(self.seconds, 2),
            "failed": [{"where": p.where, "reason": p.reason} for p in self.failed],
            "warnings": [{"where": p.where, "reason": p.reason} for p in self.warnings],
            "conflicts": [{"where": p.where, "reason": p.reason} for p in self.conflicts],
        }  # fmt: skip


class Progress:
    """Receives progress; the CLI shows a bar, everything else ignores it."""

    def start(self, total_files: int) -> None: ...
    def advance(self, files: int, chunks: int) -> None: ...
    def finish(self) -> None: ...


@dataclass
class _Pending:
    article: Article
    origin: str
    previous_chunks: set[str]
    replaces: bool
    aliases: list[tuple[str, str]] = field(default_factory=list)


class Ingestor:
    """Keeps the catalog, the vectors and the BM25 index in step with the articles given."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: ChunkVectors,
        embedder: TextEmbedder,
        count_tokens: TokenCounter,
        chunk_spec: ChunkSpec,
        lexical_dir: Path,
        max_tokens: int = 256,
        max_file_bytes: int = 5_000_000,
        embed_titles: bool = True,
        tagger: EntityTagger | None = None,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.count_tokens = count_tokens
        self.chunk_spec = chunk_spec
        self.lexical_dir = lexical_dir
        self.max_tokens = max_tokens
        self.max_file_bytes = max_file_bytes
        self.embed_titles = embed_titles
        self.tagger = tagger  # None: no entities are stored (answers then find them per question)
        self._lexical_lock = threading.Lock()
        self._stories: StoryFinder | None = None
        self._tagging: TaggingWorker | None = None  # started by the first batch to tag
        self._run_hashes: dict[str, str] = {}  # id → content hash of what this run took
        self._run_lock = threading.Lock()  # one run at a time (serve refreshes feeds too)

    # -- entry points ------------------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Sequence[Path],
        prune: bool = False,
        progress: Progress | None = None,
        source: str | None = None,
        id_prefix: str = "",
    ) -> IngestReport:
        """Read files and folders (see `iter_article_files` for their ids and source)."""
        progress = progress or Progress()
        report = IngestReport()
        started = time.perf_counter()
        with self._run_lock:
            self._start_run()
            try:
                files = list(iter_article_files([Path(p) for p in paths], source, id_prefix))
                self._read_files(files, [Path(p) for p in paths], prune, progress, report)
            finally:
                self._end_run()
        report.seconds = time.perf_counter() - started
        return report

    def _read_files(
        self,
        files: list[ArticleFile],
        paths: list[Path],
        prune: bool,
        progress: Progress,
        report: IngestReport,
    ) -> None:
        progress.start(len(files))
        seen: set[str] = set()
        pending: list[_Pending] = []
        for file in files:
            path = file.path
            loaded = load_file(file, self.max_file_bytes)
            report.files += 1
            report.failed.extend(loaded.skipped)
            report.warnings.extend(loaded.warnings)
            for article in loaded.articles:
                seen.add(article.id)
                self._take(article, str(path.resolve()), report, pending, progress)
            progress.advance(1, 0)
        progress.advance(0, self._write(pending, report))
        if prune:
            report.pruned = self._prune([p.resolve() for p in paths], seen, report)
        self.refresh_lexical()
        progress.finish()

    def ingest_articles(self, articles: Iterable[Article]) -> IngestReport:
        """Ingest articles that did not come from files (the REST API)."""
        report = IngestReport()
        started = time.perf_counter()
        with self._run_lock:
            self._start_run()
            pending: list[_Pending] = []
            try:
                for article in articles:
                    self._take(article, "", report, pending, Progress())
                self._write(pending, report)
            finally:
                self._end_run()
        self.refresh_lexical()
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, article_id: str) -> bool:
        """Remove an article (or an alias of one); False when the id is unknown."""
        if self.catalog.canonical_id(article_id) is None:
            return False
        self._remove(article_id)
        self.refresh_lexical()
        return True

    # -- consistency -------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Make Chroma hold exactly the catalog's chunks: forget lost articles, drop orphans."""
        stored = self.vectors.ids()
        expected = self.catalog.chunk_ids()
        if expected - stored:
            # Their vectors are gone (a wiped or new Chroma): re-ingesting the files redoes them.
            self.catalog.drop_articles_with_chunks(expected - stored)
            expected = self.catalog.chunk_ids()
        orphans = stored - expected
        if orphans:
            self.vectors.delete(orphans)

    def refresh_lexical(self) -> LexicalIndex:
        """Rebuild BM25 when the catalog changed since it was built; returns the current index."""
        with self._lexical_lock:
            generation = self.catalog.generation()
            current = LexicalIndex.load(self.lexical_dir)
            if current is not None and current.generation == generation:
                return current
            rows = (
                LexicalRow(c.id, c.article_id, c.ordinal, f"{c.title}\n{c.text}")
                for c in self.catalog.chunks()
            )
            rebuilt = LexicalIndex.build(rows, generation)
            rebuilt.save(self.lexical_dir)
            return rebuilt

    # -- steps -------------------------------------------------------------------------------

    def _take(
        self,
        article: Article,
        origin: str,
        report: IngestReport,
        pending: list[_Pending],
        progress: Progress,
    ) -> None:
        """Classify one article; embed and store the pending batch once it is full.

        Batches are counted in articles, never in files, so a JSONL file of thousands of
        articles is written (and made crash-safe) a batch at a time.
        """
        self._classify(article, origin, report, pending)
        if len(pending) >= EMBED_BATCH_ARTICLES:
            progress.advance(0, self._write(pending, report))
            pending.clear()

    def _conflict(self, article: Article, origin: str) -> str | None:
        """Why `article` must not replace what its id holds, or None when it may: an id is
        never taken over by other text from another file, nor twice in one run."""
        earlier = self._run_hashes.get(article.id)
        if earlier is not None:
            return None if earlier == article.content_hash else "read twice in this ingest"
        stored_origin = self.catalog.origin(article.id)
        if not origin or not stored_origin or stored_origin == origin:
            return None  # the API replaces by id; a file replaces its own earlier version
        if not Path(stored_origin).exists():
            return None  # the file it came from is gone: moved, or renamed
        current = self.catalog.article(article.id)
        if current is None or current.content_hash == article.content_hash:
            return None
        return f"already taken by {stored_origin}"

    def _classify(
        self, article: Article, origin: str, report: IngestReport, pending: list[_Pending]
    ) -> None:
        if self._run_hashes.get(article.id) == article.content_hash:
            report.unchanged += 1  # the same article twice in one run: taken once
            return
        conflict = self._conflict(article, origin)
        if conflict is not None:
            reason = (
                f"id {article.id!r} {conflict} with different text; nothing was replaced "
                "(ingest both together, or give one an --id-prefix)"
            )
            report.conflicts.append(Problem(article.id, reason))
            return
        self._run_hashes[article.id] = article.content_hash
        known = self.catalog.canonical_id(article.id)
        if known is not None and known != article.id:
            # An alias: unchanged while its content still matches the article it points to.
            owner = self.catalog.article(known)
            if owner is not None and owner.content_hash == article.content_hash:
                report.duplicate += 1
                return
            self._remove(article.id)
            known = None
        if known is not None and self.catalog.record_hash(article.id) == article.record_hash:
            report.unchanged += 1
            return
        twin = self.catalog.article_with_hash(article.content_hash)
        pending_twin = next(
            (p for p in pending if p.article.content_hash == article.content_hash), None
        )
        duplicate_of = pending_twin.article.id if pending_twin else twin
        if duplicate_of is not None and duplicate_of != article.id:
            if known is not None:
                self._remove(article.id)  # it had content of its own until now
            if pending_twin is not None:
                pending_twin.aliases.append((article.id, origin))  # stored once the twin is
            else:
                self.catalog.put_alias(article.id, duplicate_of, origin)
            report.duplicate += 1
            return
        if known is not None and twin == article.id:
            # Same text, new metadata (date, URL, source): relabel the vectors, no re-embedding.
            self.catalog.put_article(article, self._current_chunks(article), origin)
            self.vectors.relabel(self.catalog.chunk_ids(article.id), article)
            report.updated += 1
            return
        previous = self._forget(article.id) if known is not None else set()
        pending.append(_Pending(article, origin, previous, replaces=known is not None))

    def _write(self, pending: list[_Pending], report: IngestReport) -> int:
        """Chunk, embed and store a batch of articles; returns how many chunks were added."""
        if not pending:
            return 0
        chunked = [(p, self.chunk(p.article)) for p in pending]
        texts = [p.article.text for p in pending]
        big = len(pending) >= EMBED_BATCH_ARTICLES  # small batches: a worker costs more
        tagging = self._worker().submit(texts) if self.tagger and big else None
        vectors, sentences = self._embed([(p.article, c) for p, chunks in chunked for c in chunks])
        self.vectors.add([(p.article, chunks) for p, chunks in chunked], vectors)
        stories = self._story_finder()
        if tagging is not None:
            found: list[list[Entity]] | None = tagging.result()
        else:
            found = self.tagger.tag(texts) if self.tagger else None
        for n, (item, chunks) in enumerate(chunked):
            own = {c.id: sentences[c.id] for c in chunks if c.id in sentences}
            story = stories.assign(item.article.id, item.article.text)
            entities = found[n] if found is not None else None
            # the commit point:
            self.catalog.put_article(item.article, chunks, item.origin, own, story, entities)
            for alias_id, origin in item.aliases:
                self.catalog.put_alias(alias_id, item.article.id, origin)
            stale = item.previous_chunks - {c.id for c in chunks}
            if stale:
                self.vectors.delete(stale)
            report.chunks_added += len(chunks)
            report.chunks_removed += len(stale)
            if item.replaces:
                report.updated += 1
            else:
                report.new += 1
        return len(vectors)

    def _embed(
        self, chunks: list[tuple[Article, Chunk]]
    ) -> tuple[np.ndarray, dict[str, SentenceVectors]]:
        """Chunk vectors, and (when the embedder can pool spans) their sentences' vectors
        and word pieces, from one run of the model."""
        texts = [self._embed_text(article, chunk) for article, chunk in chunks]
        if not isinstance(self.embedder, SpanEmbedder):
            return self.embedder.embed(texts), {}
        spans = [quotable_spans(chunk.text) for _, chunk in chunks]
        shifted = [
            [(s + len(text) - len(chunk.text), e + len(text) - len(chunk.text)) for s, e in own]
            for text, (_, chunk), own in zip(texts, chunks, spans, strict=True)
        ]
        if isinstance(self.embedder, WordStateEmbedder):
            vectors, pooled, words = self.embedder.embed_span_words(texts, shifted)
            kept: list[SentenceWords | None] = list(SentenceWords.of(words))
        else:
            vectors, pooled = self.embedder.embed_spans(texts, shifted)
            kept = [None] * len(chunks)
        sentences = {
            chunk.id: SentenceVectors(tuple(own), rows, own_words)
            for (_, chunk), own, rows, own_words in zip(chunks, spans, pooled, kept, strict=True)
            if own
        }
        return vectors, sentences

    def _start_run(self) -> None:
        """What every ingest does first: make the stores agree, then sign any unsigned article."""
        self.reconcile()
        self._run_hashes = {}
        self._stories = None  # near-duplicates are found against what is stored now
        self._sign_unsigned()
        self._tag_untagged()
        self._keep_missing_words()

    def _story_finder(self) -> StoryFinder:
        """Near-duplicate detection over the stored articles, built once per ingest run."""
        if self._stories is None:
            self._stories = StoryFinder(self.catalog.story_signatures())
        return self._stories

    def _sign_unsigned(self) -> None:
        """Give stories to articles stored before stories existed (indexes made by 0.1)."""
        for article_id in self.catalog.articles_without_story():
            article = self.catalog.article(article_id)
            if article is not None:
                self.catalog.put_story(self._story_finder().assign(article.id, article.text))

    def _worker(self) -> TaggingWorker:
        if self._tagging is None:
            self._tagging = TaggingWorker()
        return self._tagging

    def _end_run(self) -> None:
        """Stop the tagging worker: an ingest run's processes end with it."""
        if self._tagging is not None:
            self._tagging.close()
            self._tagging = None

    def _tag_untagged(self) -> None:
        """Find the entities of articles stored without them (indexes made before 0.2)."""
        if self.tagger is None:
            return
        for stored in self._stored_batches(self.catalog.articles_without_entities()):
            for article, entities in zip(
                stored, self.tagger.tag(a.text for a in stored), strict=True
            ):
                self.catalog.put_entities(article, entities)

    def _keep_missing_words(self) -> None:
        """Keep the sentences' word pieces of articles stored without them (indexes made
        before 0.3): their chunks are read by the model again, and their sentence vectors
        are written again with the pieces, from that run; the chunk vectors stay."""
        if not isinstance(self.embedder, WordStateEmbedder):
            return
        for stored in self._stored_batches(self.catalog.articles_without_words()):
            chunks = [(a, chunk) for a in stored for chunk in self._current_chunks(a)]
            self.catalog.put_sentences(self._embed(chunks)[1])

    def _stored_batches(self, article_ids: list[str]) -> Iterator[list[Article]]:
        """The stored articles of these ids, a batch at a time (ids gone meanwhile skipped)."""
        for start in range(0, len(article_ids), EMBED_BATCH_ARTICLES):
            batch = article_ids[start : start + EMBED_BATCH_ARTICLES]
            yield [a for a in map(self.catalog.article, batch) if a is not None]

    def _forget(self, article_id: str) -> set[str]:
        """Drop an id from the catalog; an alias still holding the same text takes the article
        over (its vectors relabelled). Returns the chunk ids whose vectors are now stale."""
        chunk_ids = self.catalog.chunk_ids(self.catalog.canonical_id(article_id) or article_id)
        removal = self.catalog.remove(article_id)
        if removal.heir is not None:
            heir = self.catalog.article(removal.heir)
            if heir is not None:
                self.vectors.relabel(chunk_ids, heir)
        return removal.gone_chunks

    def _remove(self, article_id: str) -> set[str]:
        """Forget an id and delete its stale vectors now; returns the chunk ids removed."""
        gone = self._forget(article_id)
        if gone:
            self.vectors.delete(gone)
        return gone

    def _prune(self, roots: list[Path], seen: set[str], report: IngestReport) -> int:
        pruned = 0
        for article_id, origin, _is_alias in list(self.catalog.origins()):
            under_root = any(Path(origin).is_relative_to(root) for root in roots)
            if under_root and article_id not in seen and not Path(origin).exists():
                report.chunks_removed += len(self._remove(article_id))
                pruned += 1
        return pruned

    def chunk(self, article: Article) -> list[Chunk]:
        """The chunks an article is stored as, sized so headline + chunk fit the embedder."""
        budget = self.max_tokens - SPECIAL_TOKENS
        if self.embed_titles:
            budget -= self.count_tokens([article.title + "\n\n"])[0]
        return chunk_article(
            article.id,
            article.content_hash,
            article.text,
            self.chunk_spec,
            self.count_tokens,
            budget=max(budget, 32),
        )

    def _current_chunks(self, article: Article) -> list[Chunk]:
        return [
            Chunk(c.id, article.id, c.ordinal, c.start, c.end, c.text)
            for c in self.catalog.chunks(sorted(self.catalog.chunk_ids(article.id)))
        ]

    def _embed_text(self, article: Article, chunk: Chunk) -> str:
        return f"{article.title}\n\n{chunk.text}" if self.embed_titles else chunk.text
