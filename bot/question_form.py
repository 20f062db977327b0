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
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

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


class PassageWords:
    """How the passages retrieved for a question write their words: the casing and spelling a
    question typed casually is read with."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = list(texts)

    def hold(self, word: str) -> bool:
        """Whether they hold the word (in any case), alone or opening a longer word ("America"
        in "American", as the reader finds names): most questions need to know no more."""
        return re.search(rf"\b{re.escape(word.lower())}", self._lowered) is not None

    @cached_property
    def _lowered(self) -> str:
        return " ".join(self.texts).lower()

    @cached_property
    def _forms(self) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
        return _forms(self.texts)

    @property
    def inside(self) -> dict[str, Counter[str]]:
        return self._forms[0]

    @property
    def openings(self) -> dict[str, Counter[str]]:
        return self._forms[1]

    @cached_property
    def names(self) -> dict[str, str]:
        """The words they write capitalised, by lower-case form: what a misspelt name may be."""
        return {
            lower: form
            for forms in (self.openings, self.inside)  # a name inside a sentence wins
            for lower, seen in forms.items()
            if (form := seen.most_common(1)[0][0])[:1].isupper() and not is_stopword(lower)
        }

    def cased(self, question: str) -> str:
        """The question with each word cased as the passages mostly write it inside a
        sentence ("microsoft" → "Microsoft", "bbc" → "BBC", "the" stays), and its first
        letter capitalised.

        Only words the passages write capitalised more often than not change. A word they
        hold only at the opening of sentences takes the casing it has there, unless it is a
        stopword ("The", "In"); a word they never hold is left as typed."""

        def cased(match: re.Match[str]) -> str:
            word = match.group(0)
            seen = self.inside.get(word) or (None if is_stopword(word) else self.openings.get(word))
            if not seen:
                return word
            form, count = seen.most_common(1)[0]
            return form if count > seen.get(word, 0) else word

        restored = _WORD.sub(cased, question)
        return restored[:1].upper() + restored[1:]

    def mended(self, question: str) -> str:
        """The question with each capitalised word the passages never hold spelt as the one
        name they hold a letter away from it (a letter dropped, added or changed, or two
        swapped; two such edits for a word of `LONG_NAME` letters or more): "Microsft" →
        "Microsoft", "Manchester Untied" → "Manchester United". A word with no such name, or
        with two equally near, is left as typed, and so is the first word (capitalised as
        the question's opening: "Worse" is no misspelt "Horse")."""

        def mended(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if (
                match.start() == 0
                or not word[:1].isupper()
                or len(word) < MIN_NAME
                or is_stopword(word)
                or self.hold(word)
            ):
                return word
            edits = 1 if len(word) < LONG_NAME else 2
            near = process.extract(
                lower, list(self.names), scorer=OSA.distance, score_cutoff=edits, limit=2
            )
            if not near or (len(near) == 2 and near[0][1] == near[1][1]):
                return word
            return self.names[near[0][0]]

        return _WORD.sub(mended, question)


MIN_NAME = 4  # shorter capitalised words are not mended: too many names lie a letter away
LONG_NAME = 8


def restore_case(question: str, texts: Iterable[str]) -> str:
    """`PassageWords.cased` over these texts."""
    return PassageWords(texts).cased(question)


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
