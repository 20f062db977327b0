"""BM25 over the same chunks as Chroma (bm25s, English stemming), persisted beside the catalog."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

STOPWORDS = "en"


def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 whose rows are chunk ids; `generation` names the catalog state it was built from."""

    def __init__(self, ids: list[str], model: object | None, generation: int) -> None:
        self.ids = ids
        self.generation = generation
        self._model = model
        self._row_of = {chunk_id: row for row, chunk_id in enumerate(ids)}
        self._stemmer = _stemmer()

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str]], generation: int) -> LexicalIndex:
        """Index (chunk id, text) rows."""
        import bm25s

        pairs = list(rows)
        ids = [chunk_id for chunk_id, _ in pairs]
        if not pairs:
            return cls([], None, generation)
        stemmer = _stemmer()
        tokens = bm25s.tokenize(
            [text for _, text in pairs], stopwords=STOPWORDS, stemmer=stemmer, show_progress=False
        )
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        return cls(ids, model, generation)

    def save(self, folder: Path) -> None:
        """Write to a sibling folder, then swap it in: a crash never leaves half an index."""
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._model is not None:
            self._model.save(str(staging), show_progress=False)  # type: ignore[attr-defined]
        (staging / "newsbot.json").write_text(
            json.dumps({"generation": self.generation, "ids": self.ids})
        )
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        import bm25s

        manifest = folder / "newsbot.json"
        try:
            meta = json.loads(manifest.read_text())
            model = bm25s.BM25.load(str(folder)) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(meta["ids"], model, int(meta["generation"]))

    def search(
        self, query: str, top_k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; `allowed` restricts to those chunk ids."""
        import bm25s

        if self._model is None or top_k <= 0:
            return []
        tokens = bm25s.tokenize(
            [query], stopwords=STOPWORDS, stemmer=self._stemmer, show_progress=False
        )
        if not tokens.vocab:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            rows = [self._row_of[c] for c in allowed if c in self._row_of]
            if not rows:
                return []
            mask[rows] = 1.0
        k = min(top_k, len(self.ids))
        docs, scores = self._model.retrieve(  # type: ignore[attr-defined]
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            (self.ids[int(row)], float(score))
            for row, score in zip(docs[0], scores[0], strict=True)
            if score > 0
        ]
