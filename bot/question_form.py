"""A question as it is read: typed casually ("who directed kisna") it is read as written
properly ("Who directed Kisna?").

The embedding model is uncased, but spaCy's parse is not: lower-case names are not tagged as
names, so the answer type, the names an answer must match and the features built on them go
astray. And a missing question mark changes the embedding model's reading of the wh-word.
Casing is restored from the archive's own text, the passages retrieved for the question: they
know this archive's names (Shadowcrew, Kisna, Gizmondo), which a general truecasing model would
not.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from index.words import is_stopword

# words as casing sees them: "russia's" is "russia" and "s", so "Russia’s" and "Russia" count
_WORD = re.compile(r"\w+")
# a word right after the end of a sentence (or an opening quote) is capitalised for that alone
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“‘(]\s*)$")
_ENDS_A_SENTENCE = ".?!"


def as_question(text: str) -> str:
    """The text with its spacing tidied and a question mark when it ends without any
    closing punctuation ("who won" → "who won?")."""
    tidy = " ".join(text.split())
    if tidy and tidy[-1] not in _ENDS_A_SENTENCE:
        return tidy + "?"
    return tidy


def is_uncased(question: str) -> bool:
    """Whether the question was typed without capitals (nothing to learn its names from)."""
    return not any(c.isupper() for c in question)


def restore_case(question: str, texts: Iterable[str]) -> str:
    """The question with each word cased as the texts mostly write it inside a sentence
    ("microsoft" → "Microsoft", "bbc" → "BBC", "the" stays), and its first letter capitalised.

    Only words the texts write capitalised more often than not change. A word they hold only
    at the opening of sentences takes the casing it has there, unless it is a stopword
    ("The", "In"); a word they never hold is left as typed."""
    inside, openings = _forms(texts)

    def cased(match: re.Match[str]) -> str:
        word = match.group(0)
        seen = inside.get(word) or (None if is_stopword(word) else openings.get(word))
        if not seen:
            return word
        form, count = seen.most_common(1)[0]
        return form if count > seen.get(word, 0) else word

    restored = _WORD.sub(cased, question)
    return restored[:1].upper() + restored[1:]


def _forms(texts: Iterable[str]) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """How the texts write each word, by its lower-case form: inside sentences, and at their
    openings (where a capital says nothing of the word)."""
    inside: dict[str, Counter[str]] = defaultdict(Counter)
    openings: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _WORD.finditer(text):
            opens = _SENTENCE_START.search(text, max(0, match.start() - 3), match.start())
            word = match.group(0)
            (openings if opens else inside)[word.lower()][word] += 1
    return inside, openings
