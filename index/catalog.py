"""The article catalog (SQLite): texts, metadata, aliases, chunk offsets; the source of truth.

Chroma and BM25 are derived from it: an article exists once its catalog row is committed,
and every ingest starts by reconciling the vector store with these rows.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from index.articles import Article
from index.chunking import Chunk
from index.entities import Entity, entities_from_blob, entities_to_blob
from index.sentence_vectors import SentenceVectors
from index.sentence_words import SentenceWords
from index.stories import StorySignature

ID_BATCH = 500  # ids per `IN (…)` query
MAX_REMEMBERED_OWNERS = 500_000  # chunk owners kept between searches (~100 bytes each)

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    record_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    alias_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
    origin TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    spans BLOB NOT NULL,  -- int32 (start, end) pairs, relative to the chunk text
    vectors BLOB NOT NULL  -- float16 rows, one per span
);
CREATE TABLE IF NOT EXISTS chunk_words (  -- the word pieces of those spans (sentence_words.py)
    chunk_id TEXT PRIMARY KEY REFERENCES chunk_sentences(chunk_id) ON DELETE CASCADE,
    bounds BLOB NOT NULL,  -- int32: span n's pieces are bounds[n]:bounds[n + 1]
    ids BLOB NOT NULL,  -- uint16 vocabulary ids
    states BLOB NOT NULL  -- int8 rows, one per piece
);
CREATE TABLE IF NOT EXISTS stories (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
    story_id TEXT NOT NULL,  -- the first stored article of its near-duplicate group
    signature BLOB NOT NULL  -- MinHash hash values, uint32
);
CREATE TABLE IF NOT EXISTS article_entities (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
    content_hash TEXT NOT NULL,  -- the text they were found in: stale once it changes
    entities TEXT NOT NULL  -- JSON [[start, end, label], ...], offsets into the article text
);
-- texts no longer stored (an article deleted, or its text changed): citations of them are gone
CREATE TABLE IF NOT EXISTS retired_texts (
    content_hash TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    retired_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS retire_deleted_text AFTER DELETE ON articles BEGIN
    INSERT OR REPLACE INTO retired_texts VALUES (OLD.content_hash, OLD.id, datetime('now'));
END;
CREATE TRIGGER IF NOT EXISTS retire_replaced_text AFTER UPDATE OF content_hash ON articles
WHEN OLD.content_hash != NEW.content_hash BEGIN
    INSERT OR REPLACE INTO retired_texts VALUES (OLD.content_hash, OLD.id, datetime('now'));
END;
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id, ordinal);
CREATE INDEX IF NOT EXISTS aliases_by_article ON aliases(article_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredChunk:
    """A chunk with what a reader needs to show and cite it."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str
    source: str
    url: str
    published: str


@dataclass(frozen=True)
class SourceSummary:
    """One source of the archive: how many articles, which dates (ISO; None when undated)."""

    name: str
    articles: int
    oldest: str | None
    newest: str | None
    undated: int


@dataclass(frozen=True)
class ChunkOwner:
    """Whose a chunk is: its article, and the story (near-duplicate group) of that article."""

    article_id: str
    story_id: str
    ordinal: int  # the chunk's place in its article, from 0
    published_day: int | None  # the article's date as a day number (date.toordinal)


@dataclass(frozen=True)
class Removal:
    """What removing an id did: chunks that are gone, or the alias that now owns the article."""

    gone_chunks: set[str] = field(default_factory=set)
    heir: str | None = None


class Catalog:
    """Thread-safe access to the catalog database; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._owners: dict[str, ChunkOwner] = {}  # chunk_owners' answers, while still true
        self._owners_version = -1  # the data_version they were read at
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- reads -------------------------------------------------------------------------------

    def record_hash(self, article_id: str) -> str | None:
        row = self._one("SELECT record_hash FROM articles WHERE id = ?", article_id)
        return row[0] if row else None

    def article_with_hash(self, content_hash: str) -> str | None:
        row = self._one("SELECT id FROM articles WHERE content_hash = ?", content_hash)
        return row[0] if row else None

    def canonical_id(self, article_id: str) -> str | None:
        """The stored article an id names, following an alias."""
        if self._one("SELECT 1 FROM articles WHERE id = ?", article_id):
            return article_id
        row = self._one("SELECT article_id FROM aliases WHERE alias_id = ?", article_id)
        return row[0] if row else None

    def article_with_hash_prefix(self, prefix: str) -> Article | None:
        """The stored article whose content hash starts with `prefix` (hex), if exactly one."""
        rows = self._all(
            "SELECT id FROM articles WHERE content_hash >= ? AND content_hash < ? LIMIT 2",
            prefix,
            prefix + "g",  # past every hex digit
        )
        return self.article(rows[0][0]) if len(rows) == 1 else None

    def retired_text(self, prefix: str) -> str | None:
        """The id of the article whose text with this hash prefix was deleted or replaced."""
        row = self._one(
            "SELECT article_id FROM retired_texts WHERE content_hash >= ? AND content_hash < ?"
            " ORDER BY retired_at DESC LIMIT 1",
            prefix,
            prefix + "g",
        )
        return row[0] if row else None

    def origin(self, article_id: str) -> str:
        """The file an id (article or alias) was ingested from; "" when it came over the API."""
        row = self._one("SELECT origin FROM articles WHERE id = ?", article_id) or self._one(
            "SELECT origin FROM aliases WHERE alias_id = ?", article_id
        )
        return row[0] if row else ""

    def article(self, article_id: str) -> Article | None:
        canonical = self.canonical_id(article_id)
        if canonical is None:
            return None
        row = self._one("SELECT * FROM articles WHERE id = ?", canonical)
        aliases = self._all("SELECT alias_id FROM aliases WHERE article_id = ?", canonical)
        return _article_from_row(row, tuple(a[0] for a in aliases)) if row else None

    def chunk_ids(self, article_id: str | None = None) -> set[str]:
        if article_id is None:
            return {r[0] for r in self._all("SELECT id FROM chunks")}
        return {r[0] for r in self._all("SELECT id FROM chunks WHERE article_id = ?", article_id)}

    def chunk_owners(self, ids: list[str]) -> dict[str, ChunkOwner]:
        """The article and story of each of these chunks that the catalog holds.

        Every search asks this of ~200 chunks, so answers are remembered until the catalog
        changes: this connection's commits forget them, and SQLite's data_version tells of
        other connections' commits."""
        with self._lock:
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if version != self._owners_version or len(self._owners) > MAX_REMEMBERED_OWNERS:
                self._owners.clear()
                self._owners_version = version
            known = self._owners
            missing = [c for c in ids if c not in known]
            rows = self._all_in(
                """SELECT c.id, c.article_id, s.story_id, c.ordinal, a.published FROM chunks c
                   JOIN articles a ON a.id = c.article_id
                   LEFT JOIN stories s ON s.article_id = c.article_id
                   WHERE c.id IN ({ids})""",
                missing,
            )
            for chunk_id, article_id, story_id, ordinal, published in rows:
                day = date.fromisoformat(published).toordinal() if published else None
                known[chunk_id] = ChunkOwner(article_id, story_id or article_id, ordinal, day)
            return {c: known[c] for c in ids if c in known}

    def story_signatures(self) -> Iterator[StorySignature]:
        for row in self._all("SELECT article_id, story_id, signature FROM stories"):
            yield StorySignature.from_blob(row[0], row[1], row[2])

    def articles_without_story(self) -> list[str]:
        rows = self._all(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM stories) ORDER BY id"
        )
        return [row[0] for row in rows]

    def story_of(self, article_id: str) -> str | None:
        row = self._one("SELECT story_id FROM stories WHERE article_id = ?", article_id)
        return row[0] if row else None

    def story_members(self, story_id: str) -> list[str]:
        """The ids of the stored articles in a story (near-duplicates of each other)."""
        rows = self._all(
            "SELECT article_id FROM stories WHERE story_id = ? ORDER BY article_id", story_id
        )
        return [row[0] for row in rows]

    def chunks(self, ids: list[str] | None = None) -> list[StoredChunk]:
        """Chunks with their text cut from the article, in id order given (all when None)."""
        query = """SELECT c.id, c.article_id, c.ordinal, c.start, c."end", a.text, a.title,
                          a.source, a.url, a.published
                   FROM chunks c JOIN articles a ON a.id = c.article_id"""
        if ids is None:
            rows = self._all(query + " ORDER BY c.article_id, c.ordinal")
        else:
            rows = self._all_in(query + " WHERE c.id IN ({ids})", ids)
            order = {chunk_id: n for n, chunk_id in enumerate(ids)}
            rows.sort(key=lambda r: order[r["id"]])
        return [_chunk_from_row(r) for r in rows]

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[StoredChunk]]:
        """Every chunk of these articles, in article order, by article id."""
        rows = self._all_in(
            """SELECT c.id, c.article_id, c.ordinal, c.start, c."end", a.text, a.title,
                      a.source, a.url, a.published
               FROM chunks c JOIN articles a ON a.id = c.article_id
               WHERE c.article_id IN ({ids}) ORDER BY c.article_id, c.ordinal""",
            article_ids,
        )
        found: dict[str, list[StoredChunk]] = {}
        for row in rows:
            found.setdefault(row["article_id"], []).append(_chunk_from_row(row))
        return found

    def chunk_ids_matching(
        self, sources: tuple[str, ...], after: date | None, before: date | None
    ) -> set[str]:
        """Chunks of articles from these sources (any, when empty) published in the range."""
        clauses: list[str] = []
        args: list[object] = []
        if sources:
            clauses.append(f"a.source IN ({','.join('?' * len(sources))})")
            args.extend(sources)
        if after:
            clauses.append("a.published != '' AND a.published >= ?")
            args.append(after.isoformat())
        if before:
            clauses.append("a.published != '' AND a.published <= ?")
            args.append(before.isoformat())
        where = " AND ".join(clauses) or "1"
        sql = f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}"
        return {r[0] for r in self._all(sql, *args)}

    def origins(self) -> Iterator[tuple[str, str, bool]]:
        """(id, origin file, is_alias) of everything ingested from files."""
        for row in self._all("SELECT id, origin FROM articles WHERE origin != ''"):
            yield row[0], row[1], False
        for row in self._all("SELECT alias_id, origin FROM aliases WHERE origin != ''"):
            yield row[0], row[1], True

    def counts(self) -> dict[str, int]:
        def count(table: str) -> int:
            row = self._one(f"SELECT COUNT(*) FROM {table}")
            return int(row[0]) if row else 0

        return {
            "articles": count("articles"),
            "chunks": count("chunks"),
            "duplicates": count("aliases"),
            "undated": count("articles WHERE published = ''"),
        }

    def browse(
        self,
        sources: tuple[str, ...] = (),
        after: date | None = None,
        before: date | None = None,
        limit: int = 20,
        after_id: str = "",
    ) -> list[Article]:
        """Articles in id order, the first `limit` with an id past `after_id` that match the
        filters (a date filter leaves undated articles out). Text is left empty: a listing."""
        clauses, args = ["id > ?"], [after_id]  # type: list[str], list[object]
        if sources:
            clauses.append(f"source IN ({', '.join('?' * len(sources))})")
            args.extend(sources)
        if after is not None:
            clauses.append("published != '' AND published >= ?")
            args.append(after.isoformat())
        if before is not None:
            clauses.append("published != '' AND published <= ?")
            args.append(before.isoformat())
        rows = self._all(
            "SELECT id, title, '' AS text, url, published, source, author FROM articles"
            f" WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?",
            *args,
            limit,
        )
        return [_article_from_row(r, ()) for r in rows]

    def sources(self) -> list[SourceSummary]:
        """Every source with its article count and its oldest and newest dates, by name."""
        rows = self._all(
            "SELECT source, COUNT(*), MIN(NULLIF(published, '')), MAX(NULLIF(published, '')),"
            " SUM(published = '') FROM articles GROUP BY source ORDER BY source"
        )
        return [SourceSummary(r[0], int(r[1]), r[2], r[3], int(r[4])) for r in rows]

    def generation(self) -> int:
        """Bumped by every write, so derived indexes can tell whether they are stale."""
        row = self._one("SELECT value FROM meta WHERE key = 'generation'")
        return int(row[0]) if row else 0

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", key)
        return row[0] if row else None

    def entities(self, article_ids: list[str]) -> dict[str, list[Entity]]:
        """The stored named entities of these articles (left out: none stored, or stale)."""
        rows = self._all_in(
            """SELECT e.article_id, e.entities FROM article_entities e
               JOIN articles a ON a.id = e.article_id AND a.content_hash = e.content_hash
               WHERE e.article_id IN ({ids})""",
            article_ids,
        )
        return {row[0]: entities_from_blob(row[1]) for row in rows}

    def articles_without_entities(self) -> list[str]:
        """Articles whose entities were never found, or were found in an earlier text."""
        rows = self._all(
            """SELECT a.id FROM articles a LEFT JOIN article_entities e ON e.article_id = a.id
               WHERE e.content_hash IS NULL OR e.content_hash != a.content_hash ORDER BY a.id"""
        )
        return [row[0] for row in rows]

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, SentenceVectors]:
        """The stored sentence vectors of these chunks, with their words when kept (chunks
        without any are left out)."""
        rows = self._all_in(
            "SELECT s.chunk_id, s.spans, s.vectors, w.bounds, w.ids, w.states"
            " FROM chunk_sentences s LEFT JOIN chunk_words w USING (chunk_id)"
            " WHERE s.chunk_id IN ({ids})",
            chunk_ids,
        )
        return {
            row[0]: SentenceVectors.from_blobs(
                row[1], row[2], SentenceWords.from_blobs(*row[3:]) if row[3] is not None else None
            )
            for row in rows
        }

    def articles_without_words(self) -> list[str]:
        """Articles with sentence vectors but not their words (indexes made before 0.3)."""
        rows = self._all(
            "SELECT DISTINCT c.article_id FROM chunk_sentences s JOIN chunks c ON c.id = s.chunk_id"
            " LEFT JOIN chunk_words w USING (chunk_id) WHERE w.chunk_id IS NULL"
            " ORDER BY c.article_id"
        )
        return [row[0] for row in rows]

    # -- writes ------------------------------------------------------------------------------

    def put_sentences(self, sentences: Mapping[str, SentenceVectors]) -> None:
        """Replace the sentence vectors (and words) of stored chunks."""
        with self._transaction() as db:
            _write_sentences(db, sentences)

    def put_article(
        self,
        article: Article,
        chunks: list[Chunk],
        origin: str = "",
        sentences: Mapping[str, SentenceVectors] | None = None,
        story: StorySignature | None = None,
        entities: list[Entity] | None = None,
    ) -> None:
        """Insert or replace an article and its chunks atomically.

        Chunks the article keeps keep their sentence vectors, and the article its story,
        unless new ones are given.
        """
        keep = [c.id for c in chunks]
        with self._transaction() as db:
            db.execute(
                f"DELETE FROM chunks WHERE article_id = ? AND id NOT IN "
                f"({','.join('?' * len(keep))})",
                (article.id, *keep),
            )
            db.execute(
                """INSERT INTO articles (id, content_hash, record_hash, title, text, url,
                       published, source, author, origin, ingested_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET content_hash = excluded.content_hash,
                       record_hash = excluded.record_hash, title = excluded.title,
                       text = excluded.text, url = excluded.url, published = excluded.published,
                       source = excluded.source, author = excluded.author,
                       origin = excluded.origin, ingested_at = excluded.ingested_at""",
                (
                    article.id, article.content_hash, article.record_hash, article.title,
                    article.text, article.url, article.published_iso, article.source,
                    article.author, origin, _now(),
                ),
            )  # fmt: skip
            db.executemany(
                'INSERT INTO chunks (id, article_id, ordinal, start, "end") VALUES (?, ?, ?, ?, ?)'
                " ON CONFLICT(id) DO UPDATE SET article_id = excluded.article_id,"
                ' ordinal = excluded.ordinal, start = excluded.start, "end" = excluded."end"',
                [(c.id, article.id, c.ordinal, c.start, c.end) for c in chunks],
            )
            _write_sentences(db, sentences or {})
            if story is not None:
                _write_story(db, story)
            if entities is not None:
                _write_entities(db, article, entities)
            _bump_generation(db)

    def put_story(self, story: StorySignature) -> None:
        with self._transaction() as db:
            _write_story(db, story)

    def put_entities(self, article: Article, entities: list[Entity]) -> None:
        with self._transaction() as db:
            _write_entities(db, article, entities)

    def put_alias(self, alias_id: str, article_id: str, origin: str = "") -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO aliases (alias_id, article_id, origin) VALUES (?, ?, ?)
                   ON CONFLICT(alias_id) DO UPDATE SET article_id = excluded.article_id,
                       origin = excluded.origin""",
                (alias_id, article_id, origin),
            )

    def remove(self, article_id: str) -> Removal:
        """Remove an article or alias; an article with aliases passes to its first alias."""
        with self._transaction() as db:
            if db.execute("DELETE FROM aliases WHERE alias_id = ?", (article_id,)).rowcount:
                return Removal()
            heir = db.execute(
                "SELECT alias_id, origin FROM aliases WHERE article_id = ? ORDER BY alias_id",
                (article_id,),
            ).fetchone()
            if heir is not None:
                db.execute("DELETE FROM aliases WHERE alias_id = ?", (heir[0],))
                db.execute(
                    "UPDATE articles SET id = ?, origin = ?, source = CASE WHEN source = id "
                    "THEN ? ELSE source END WHERE id = ?",
                    (heir[0], heir[1], heir[0], article_id),
                )
                _bump_generation(db)
                return Removal(heir=heir[0])
            gone = {
                r[0]
                for r in db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))
            }
            db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            _bump_generation(db)
            return Removal(gone_chunks=gone)

    def drop_articles_with_chunks(self, chunk_ids: set[str]) -> list[str]:
        """Forget the articles owning these chunks (their vectors were lost); returns their ids."""
        owners = {c.article_id for c in self.chunks(sorted(chunk_ids))}
        with self._transaction() as db:
            for article_id in owners:
                db.execute("DELETE FROM aliases WHERE article_id = ?", (article_id,))
                db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            _bump_generation(db)
        return sorted(owners)

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- plumbing ----------------------------------------------------------------------------

    def _one(self, sql: str, *args: object) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, *args: object) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _all_in(self, sql: str, ids: list[str]) -> list[sqlite3.Row]:
        """Rows of `sql` whose `{ids}` placeholder takes the ids, a batch at a time (SQLite
        limits the parameters of one statement)."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH]
            rows.extend(self._all(sql.format(ids=",".join("?" * len(batch))), *batch))
        return rows

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self._lock, self._owners.clear)


class _Transaction:
    def __init__(
        self, db: sqlite3.Connection, lock: threading.RLock, committed: Callable[[], None]
    ) -> None:
        self._db, self._lock, self._committed = db, lock, committed

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
            self._committed()
        finally:
            self._lock.release()


def _write_sentences(db: sqlite3.Connection, sentences: Mapping[str, SentenceVectors]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO chunk_sentences (chunk_id, spans, vectors) VALUES (?, ?, ?)",
        [(chunk_id, *found.to_blobs()) for chunk_id, found in sentences.items()],
    )
    db.executemany(  # words of a replaced span list never outlive it
        "DELETE FROM chunk_words WHERE chunk_id = ?", [(chunk_id,) for chunk_id in sentences]
    )
    db.executemany(
        "INSERT INTO chunk_words (chunk_id, bounds, ids, states) VALUES (?, ?, ?, ?)",
        [
            (chunk_id, *found.words.to_blobs())
            for chunk_id, found in sentences.items()
            if found.words is not None
        ],
    )


def _write_story(db: sqlite3.Connection, story: StorySignature) -> None:
    db.execute(
        "INSERT OR REPLACE INTO stories (article_id, story_id, signature) VALUES (?, ?, ?)",
        (story.article_id, story.story_id, story.to_blob()),
    )


def _write_entities(db: sqlite3.Connection, article: Article, entities: list[Entity]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO article_entities (article_id, content_hash, entities)"
        " VALUES (?, ?, ?)",
        (article.id, article.content_hash, entities_to_blob(entities)),
    )


def _bump_generation(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _article_from_row(row: sqlite3.Row, aliases: tuple[str, ...]) -> Article:
    published = date.fromisoformat(row["published"]) if row["published"] else None
    return Article(
        id=row["id"], title=row["title"], text=row["text"], url=row["url"],
        published=published, source=row["source"], author=row["author"], aliases=aliases,
    )  # fmt: skip


def _chunk_from_row(row: sqlite3.Row) -> StoredChunk:
    return StoredChunk(
        id=row["id"], article_id=row["article_id"], ordinal=row["ordinal"], start=row["start"],
        end=row["end"], text=row["text"][row["start"] : row["end"]], title=row["title"],
        source=row["source"], url=row["url"], published=row["published"],
    )  # fmt: skip
