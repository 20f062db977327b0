"""The words of claims and passages: content terms, numbers, names and abbreviations."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from index.sentences import sentence_spans
from index.words import STOPWORDS as WORDS_STOPWORDS
from index.words import stem as _stem


def _words(text: str) -> list[str]:
    return text.split()


# The one stopword list (index/words.py), plus the words of attribution claims carry.
STOPWORDS = WORDS_STOPWORDS | frozenset(_words("source sources"))
# Capitalised words that are not names even in mid-sentence.
NOT_NAMES = frozenset(_words("i i'm monday tuesday wednesday thursday friday saturday sunday"))
# Capitalised only because they open a sentence; any other opening word is checked like a name.
SENTENCE_OPENERS = frozenset(_words("""
    several many much both each every another recent recently however meanwhile currently today
    overall additionally furthermore moreover finally instead despite although though since yes
    in on at for from after before during while as until unless whether there here
"""))  # fmt: skip
_UNITS = _words("""zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty""")  # fmt: skip
_TENS = _words("thirty forty fifty sixty seventy eighty ninety")
_ORDINALS = _words("first second third fourth fifth sixth seventh eighth ninth tenth")
NUMBER_WORDS = {w: str(i) for i, w in enumerate(_UNITS)} | {
    w: str(10 * i) for i, w in enumerate(_TENS, start=3)
}
ORDINAL_WORDS = {w: str(i) for i, w in enumerate(_ORDINALS, start=1)}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)*")
MIN_PREFIX = 4  # a stem counts as another's variant ("russia"/"russian") from this length


def _normalise_number(token: str) -> str:
    digits = re.sub(r"(st|nd|rd|th)$", "", token.replace(",", ""))
    return digits.rstrip(".")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def numbers(text: str) -> set[str]:
    """Numbers in digits or words, normalised: "thirty" → "30", "18th" → "18", "1,000" → "1000"."""
    found = set()
    for token in tokens(text):
        lower = token.lower()
        if token[0].isdigit():
            found.add(_normalise_number(token))
        elif lower in NUMBER_WORDS:
            found.add(NUMBER_WORDS[lower])
        elif lower in ORDINAL_WORDS:
            found.add(ORDINAL_WORDS[lower])
    return found


def content_terms(text: str) -> set[str]:
    """Stemmed content words (no stopwords, no numbers, no single letters)."""
    terms = set()
    for token in tokens(text):
        word = re.sub(r"['’]s$", "", token.lower())
        if word in STOPWORDS or len(word) < 2 or word[0].isdigit():
            continue
        if word in NUMBER_WORDS or word in ORDINAL_WORDS:
            continue
        terms.add(_stem(word))
    return terms


def names(text: str) -> set[str]:
    """Stems of capitalised words: people, places, organisations (and some sentence openers).

    A sentence's first word counts unless it is a stopword or a common opener: an invented
    subject ("Germany has pledged …") must not escape the check by standing first.
    """
    found = set()
    for start, end in sentence_spans(text):
        for i, word in enumerate(tokens(text[start:end])):
            plain = re.sub(r"['’]s$", "", word)
            lower = plain.lower()
            if not plain[0].isupper() or lower in STOPWORDS or lower in NOT_NAMES:
                continue
            if i == 0 and (lower in SENTENCE_OPENERS or lower in ORDINAL_WORDS):
                continue
            found.add(_stem(lower))
    return found


# Words news reports use interchangeably; a claim may say "talks" for the source's "negotiations".
_SYNONYM_GROUPS = [
    "talks negotiations discussions meeting summit",
    "war conflict fighting",
    "countries nations states",
    "leaders heads",
    "aid assistance support",
]


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for group in _SYNONYM_GROUPS:
        stems = frozenset(_stem(w) for w in group.split())
        for stem in stems:
            table[stem] = table.get(stem, frozenset()) | stems
    return table


def term_found(term: str, vocabulary: set[str]) -> bool:
    """Exact stem, a listed synonym, or one stem a prefix of the other ("russia"/"russian")."""
    if term in vocabulary or not _synonyms().get(term, frozenset()).isdisjoint(vocabulary):
        return True
    if len(term) < MIN_PREFIX:
        return False
    return any(
        len(other) >= MIN_PREFIX and (other.startswith(term) or term.startswith(other))
        for other in vocabulary
    )


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|for|and|in|on|the)\s+)*[A-Z][\w’'-]*)+")


def acronym_runs(text: str) -> dict[str, set[str]]:
    """Initials of runs of capitalised words ("United Nations" → "un") with the runs' stems."""
    runs: dict[str, set[str]] = {}
    for match in _CAPITALISED_RUN.finditer(text):
        words = [w for w in match.group(0).split() if w[0].isupper() and w.lower() != "the"]
        for i, j in itertools.combinations(range(len(words) + 1), 2):
            if 2 <= j - i <= 6:
                initials = "".join(w[0] for w in words[i:j]).lower()
                runs.setdefault(initials, set()).update(_stem(w.lower()) for w in words[i:j])
    return runs
