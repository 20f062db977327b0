"""One vocabulary for every part that compares words: tokens, stopwords and stems.

Stopwords are spaCy's English list (plus the verbs of reporting, which every news sentence
has); stems are Snowball's English stemmer (PyStemmer), as the BM25 index uses.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cached_property, lru_cache

import Stemmer
from spacy.lang.en.stop_words import STOP_WORDS as SPACY_STOP_WORDS


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal list."""
    return frozenset(text.split())


REPORTING_WORDS = word_set(
    "said says say saying told tell according reported reports report added stated noted"
)
STOPWORDS = frozenset(SPACY_STOP_WORDS) | REPORTING_WORDS
TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*")
_local = threading.local()  # PyStemmer objects must not be shared between threads


def tokens(text: str) -> list[str]:
    """Words and numbers ("it's" and "3.5" are one token each)."""
    return TOKEN.findall(text)


@lru_cache(maxsize=131_072)
def stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word.lower().removesuffix("'s").removesuffix("’s")))


@lru_cache(maxsize=131_072)
def is_stopword(token: str) -> bool:
    """A stopword, unless written in capitals ("US", "IT" are names, not "us", "it")."""
    return token.lower() in STOPWORDS and not (token.isupper() and len(token) > 1)


@lru_cache(maxsize=65_536)
def content_terms(text: str) -> frozenset[str]:
    """Stems of the words that carry meaning: no stopwords, no single letters."""
    return terms_of(tokens(text))


def terms_of(words: Iterable[str]) -> frozenset[str]:
    """The content terms among a text's tokens (see `content_terms`)."""
    return frozenset(map(_content_term, words)) - _NO_TERM


@lru_cache(maxsize=131_072)
def _content_term(token: str) -> str:
    """The token's stem if it carries meaning, else "" (no stem is empty: every token starts
    with a letter or a digit). One cache look-up a token, not one each for stopword and stem."""
    return "" if len(token) < 2 or is_stopword(token) else stem(token)


_NO_TERM = frozenset({""})


class Wording:
    """One text's tokens, and each view of them a reader compares with questions, worked out
    once: its tokens and terms at once, the rest when first asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tuple(tokens(text))
        self.terms = terms_of(self.tokens)

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def stems(self) -> frozenset[str]:
        """The stem of every token, stopwords and single letters too."""
        return frozenset(map(stem, self.tokens))

    @cached_property
    def numbers(self) -> frozenset[str]:
        return frozenset(t for t in self.tokens if t[:1].isdigit())

    @cached_property
    def word_stems(self) -> tuple[tuple[int, str], ...]:
        """Where each word of two letters or more starts in the text, with its stem."""
        return tuple(
            (m.start(), stem(m.group())) for m in TOKEN.finditer(self.text) if len(m.group()) > 1
        )
