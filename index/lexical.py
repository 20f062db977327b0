"""BM25 over the same chunks as Chroma (bm25s, English stemming), persisted beside the catalog."""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import numpy as np

STOPWORDS = "en"
CURRENT = "CURRENT"
MANIFEST = "newsbot.json"
LOAD_ATTEMPTS = 5  # versions replaced while being read, in a row, before giving up
FORMAT = 2  # saved versions of another format are rebuilt (1 had no article per row)
KEEP_VERSIONS = 2  # the current one and its predecessor, which a slow reader may still be loading


def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalRow(NamedTuple):
    """One chunk to index: its id, its article, its place in the article (0: the lead)."""

    chunk_id: str
    article_id: str
    ordinal: int
    text: str


@dataclass(frozen=True)
class TermEvidence:
    """How an article's chunks, all of them, meet a query's terms (for the linear fusion)."""

    coverage: float  # the idf-weighted share of the query's terms found in any of its chunks
    lead_coverage: float  # the same share in its first chunk
    mean_bm25: float  # the mean BM25 score of its chunks


class LexicalIndex:
    """BM25 whose rows are chunks, each with its article; `generation` names the catalog
    state it was built from."""

    def __init__(
        self,
        ids: list[str],
        articles: list[str],
        ordinals: list[int],
        model: object | None,
        generation: int,
        version: str = "",
    ) -> None:
        self.ids = ids
        self.articles = articles
        self.ordinals = ordinals
        self.generation = generation
        self.version = version  # the folder it was loaded from; "" when built in memory
        self._model = model
        self._row_of = {chunk_id: row for row, chunk_id in enumerate(ids)}
        # build() keeps an article's rows together, lead first: an article is a slice of rows.
        starts = [
            row for row in range(len(articles)) if row == 0 or articles[row - 1] != articles[row]
        ]
        self._article_starts = np.array(starts, dtype=np.int64)
        self._article_index = {articles[row]: n for n, row in enumerate(starts)}
        self._article_lengths = np.diff(np.append(self._article_starts, len(articles)))
        self._starts_with_lead = np.array(ordinals, dtype=np.int64)[self._article_starts] == 0
        self._stemmer = _stemmer()

    @classmethod
    def build(cls, rows: Iterable[LexicalRow], generation: int) -> LexicalIndex:
        """Index the rows' texts."""
        bm25s = _bm25s()

        chunks = sorted(rows, key=lambda row: (row.article_id, row.ordinal))
        ids = [row.chunk_id for row in chunks]
        articles = [row.article_id for row in chunks]
        ordinals = [row.ordinal for row in chunks]
        if not chunks:
            return cls([], [], [], None, generation)
        stemmer = _stemmer()
        tokens = bm25s.tokenize(
            [row.text for row in chunks], stopwords=STOPWORDS, stemmer=stemmer, show_progress=False
        )
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        return cls(ids, articles, ordinals, model, generation)

    def save(self, folder: Path) -> None:
        """Write a new version folder, then point CURRENT at it with an atomic rename.

        Readers (other threads, other processes) see either the old index or the new one,
        never half of one, and two writers never share a folder.
        """
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, across processes too
            version = Path(tempfile.mkdtemp(prefix=f"g{self.generation}-", dir=folder))
            if self._model is not None:
                self._model.save(str(version), show_progress=False)  # type: ignore[attr-defined]
            manifest = {
                "format": FORMAT,
                "generation": self.generation,
                "ids": self.ids,
                "articles": self.articles,
                "ordinals": self.ordinals,
            }
            (version / MANIFEST).write_text(json.dumps(manifest))
            pointer = folder / f"{CURRENT}.{version.name}"
            pointer.write_text(version.name)
            os.replace(pointer, folder / CURRENT)
            _remove_old_versions(folder, keep=version.name)
        self.version = version.name

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The current saved index, or None when there is none or it cannot be read.

        A save in another thread or process may replace the current version, and remove it,
        while it is being read: then the newer one is read instead."""
        for _ in range(LOAD_ATTEMPTS):
            name = current_version(folder)
            if name is None:
                return None
            loaded = cls._load_version(folder, name)
            if loaded is not None or current_version(folder) == name:
                return loaded
        return None

    @classmethod
    def _load_version(cls, folder: Path, name: str) -> LexicalIndex | None:
        bm25s = _bm25s()
        try:
            meta = json.loads((folder / name / MANIFEST).read_text())
            if meta.get("format") != FORMAT:
                return None  # the ingestor rebuilds it in the current format
            model = bm25s.BM25.load(str(folder / name)) if meta["ids"] else None
            return cls(
                meta["ids"],
                meta["articles"],
                meta["ordinals"],
                model,
                int(meta["generation"]),
                version=name,
            )
        except (OSError, ValueError, KeyError):
            return None

    def search(
        self, query: str, top_k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; `allowed` restricts to those chunk ids."""
        if self._model is None or top_k <= 0:
            return []
        tokens = self._tokens(query)
        if not tokens:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            rows = [self._row_of[c] for c in allowed if c in self._row_of]
            if not rows:
                return []
            mask[rows] = 1.0
        # Scoring every chunk and picking the top directly is ~5x faster than BM25.retrieve,
        # which sets up threads and progress bars per call.
        scores = self._model.get_scores(tokens, weight_mask=mask)  # type: ignore[attr-defined]
        return [(self.ids[row], float(scores[row])) for row in _best_rows(scores, top_k)]

    def term_evidence(self, query: str, article_ids: Iterable[str]) -> dict[str, TermEvidence]:
        """For each of these articles, how all its chunks meet the query's terms.

        A term weighs its BM25 idf; a query term the index never saw weighs the most and is
        found nowhere. Articles the index does not hold are left out.
        """
        model = self._model
        terms = list(dict.fromkeys(self._tokens(query))) if model is not None else []
        if model is None or not terms:
            return {}
        known = model.get_tokens_ids(terms)  # type: ignore[attr-defined]
        rows = len(self.ids)
        scores = np.zeros((len(known), rows), dtype=np.float32)
        for n, token_id in enumerate(known):
            scores[n] = model.get_scores_from_ids([token_id])  # type: ignore[attr-defined]
        present = scores > 0
        idf = _idf(rows, present.sum(axis=1))
        total_weight = float(idf.sum()) + (len(terms) - len(known)) * float(_idf(rows, 0))
        wanted = [a for a in article_ids if a in self._article_index]
        if not wanted:
            return {}
        columns = np.array([self._article_index[a] for a in wanted])
        starts = self._article_starts
        found_in = np.logical_or.reduceat(present, starts, axis=1)[:, columns]
        first_rows = starts[columns]
        found_in_lead = present[:, first_rows] & self._starts_with_lead[columns]
        bm25_sums = np.add.reduceat(scores.sum(axis=0), starts)[columns]
        coverage = idf @ found_in / total_weight
        lead_coverage = idf @ found_in_lead / total_weight
        mean_bm25 = bm25_sums / self._article_lengths[columns]
        return {
            article_id: TermEvidence(
                float(coverage[n]), float(lead_coverage[n]), float(mean_bm25[n])
            )
            for n, article_id in enumerate(wanted)
        }

    def knows(self, word: str) -> bool:
        """Whether some indexed text holds the word (as its stem; a stopword is known)."""
        terms = self._tokens(word)
        if self._model is None:
            return not terms
        return len(self._model.get_tokens_ids(terms)) == len(terms)  # type: ignore[attr-defined]

    def _tokens(self, query: str) -> list[str]:
        """The query's stemmed terms, stopwords left out, as the index's texts were."""
        tokenized: list[list[str]] = _bm25s().tokenize(
            [query],
            stopwords=STOPWORDS,
            stemmer=self._stemmer,
            show_progress=False,
            return_ids=False,
        )
        return tokenized[0]


def _idf(rows: int, containing: np.ndarray | int) -> np.ndarray:
    """BM25's (Lucene's) inverse document frequency of terms found in `containing` rows."""
    return np.log(1 + (rows - np.asarray(containing) + 0.5) / (np.asarray(containing) + 0.5))


def _best_rows(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the k best positive scores, best first; ties in row order."""
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    order = np.lexsort((top, -scores[top]))
    return [int(row) for row in top[order]]


def current_version(folder: Path) -> str | None:
    """The name of the saved version readers should use, or None when nothing is saved."""
    try:
        return (folder / CURRENT).read_text().strip() or None
    except OSError:
        return None


def _remove_old_versions(folder: Path, keep: str) -> None:
    versions = sorted(
        (p for p in folder.iterdir() if p.is_dir() and p.name.startswith("g")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _bm25s() -> ModuleType:
    """bm25s, imported on first use (it is slow to import); its import sets its own logger to
    DEBUG, which would print index-building chatter under any logging setup, so the level is
    handed back to the application's configuration, once (setLevel clears every logger's
    cache, which a search need not pay for)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s
