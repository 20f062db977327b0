"""A question as it is read: typed casually ("who directed kisna", "can you tell me who
directed Kisna?") it is read as written properly ("Who directed Kisna?").

The embedding model is uncased, but spaCy's parse is not: lower-case names are not tagged as
names, so the answer type, the names an answer must match and the features built on them go
astray. And a missing question mark changes the embedding model's reading of the wh-word.
Casing is restored from the archive's own text, the passages retrieved for the question: they
know this archive's names (Shadowcrew, Kisna, Gizmondo), which a general truecasing model would
not.
A question wrapped in a polite or indirect opening ("Do you know who …", "Can you tell me
which …", "I'd like to know why …") is read without it: the opening would make it a yes/no
question ("Do …?") and add words that no answer holds.
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
_WH = r"(?:who|whom|whose|what|which|when|where|why|how)\b"
# an opening that only asks to be told, before the wh-word of the real question
_INDIRECT_OPENING = re.compile(
    r"""^(?:(?:hi|hello|hey)\b[^,:!?]{0,20}[,:!]\s*)?(?:please\s+)?(?:
        (?:do|does|can|could|would|will)\s+(?:you|anyone|anybody|someone|somebody)\s+
            (?:please\s+)?(?:know|remember|say|explain|find\s+out|tell\s+(?:me|us)
            |let\s+(?:me|us)\s+know)
        |(?:tell|show)\s+(?:me|us)
        |(?:i|we)(?:'d|\s+would)?\s+(?:like|want|wish|need)\s+to\s+(?:know|find\s+out|understand)
        |(?:i|we)\s+(?:wonder|am\s+wondering|was\s+wondering|were\s+wondering)
        |any\s+idea|(?:does\s+)?(?:anyone|anybody)\s+know|explain(?:\s+to\s+me)?
    )\s*,?\s*(?:please\s*,?\s*)?(?="""
    + _WH
    + ")",
    re.IGNORECASE | re.VERBOSE,
)


def as_question(text: str) -> str:
    """The text with its spacing tidied, without an opening that only asks to be told ("can
    you tell me who won" → "Who won?"), and with a question mark when it ends without any
    closing punctuation ("who won" → "who won?")."""
    tidy = " ".join(text.split())
    asked = _INDIRECT_OPENING.sub("", tidy)
    if asked != tidy:
        tidy = asked[:1].upper() + asked[1:]
        if tidy.endswith("."):  # "Tell me who won." asks "Who won?"
            tidy = tidy[:-1]
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
