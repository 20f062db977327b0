"""One vocabulary for every part that compares words: tokens, stopwords and stems.

Stopwords are spaCy's English list (plus the verbs of reporting, which every news sentence
has); stems are Snowball's English stemmer (PyStemmer), as the BM25 index uses.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

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
    return frozenset(stem(t) for t in tokens(text) if len(t) > 1 and not is_stopword(t))
