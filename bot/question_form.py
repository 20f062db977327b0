"""A question as it is read: typed casually ("who directed kisna", "can you tell me who
directed Kisna?", "Who directed Kisnaa?") it is read as written properly.

- A question mark is added when it ends without closing punctuation, and its first letter is
  capitalised: the embedding model reads the wh-word otherwise.
- A polite or indirect opening ("Do you know who …", "Can you tell me which …", "I'd like to
  know why …") is dropped: it would make the question a yes/no one ("Do …?") and add words
  that no answer holds.
- A misspelt name is spelt as the passages retrieved for the question spell the one name a
  letter away (`PassageWords.mended`): a name no article read holds makes the answer decline.

Casing a question typed in lower case as its passages write its words was measured and
dropped (docs/benchmarks.md, session 16): the embedding model and BM25 are uncased, and the
reader did as well without it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.words import is_stopword

_WORD = re.compile(r"\w+")
# a word right after the end of a sentence (or an opening quote) is capitalised for that alone
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“‘(]\s*)$")
_ENDS_A_SENTENCE = ".?!"
MIN_NAME = 5  # shorter capitalised words are never mended: too many names lie a letter away
LONG_NAME = 8  # a name this long may be two edits away
_WH = r"(?:who|whom|whose|what|which|when|where|why|how)\b"
# an opening that only asks to be told, before the wh-word of the real question
_INDIRECT_OPENING = re.compile(
    r"""^(?:(?:hi|hello|hey)\b[^,:!?]{0,20}[,:!]\s*)?(?:please\s+)?(?:
        (?:do|does|can|could|would|will)\s+(?:you|anyone|anybody|someone|somebody)\s+
            (?:please\s+)?(?:know|remember|say|explain|find\s+out|tell\s+(?:me|us)
            |let\s+(?:me|us)\s+know)
        |(?:tell|show)\s+(?:me|us)
        |(?:i|we)(?:['’]d|\s+would)?\s+(?:like|want|wish|need)\s+to\s+(?:know|find\s+out|understand)
        |(?:i|we)\s+(?:wonder|am\s+wondering|was\s+wondering|were\s+wondering)
        |any\s+idea|(?:does\s+)?(?:anyone|anybody)\s+know|explain(?:\s+to\s+me)?
    )\s*,?\s*(?:please\s*,?\s*)?(?="""
    + _WH
    + ")",
    re.IGNORECASE | re.VERBOSE,
)


def as_question(text: str) -> str:
    """The text with its spacing tidied, without an opening that only asks to be told ("can
    you tell me who won" → "Who won?"), its first letter capitalised, and with a question
    mark when it ends without any closing punctuation ("who won" → "Who won?")."""
    tidy = " ".join(text.split())
    asked = _INDIRECT_OPENING.sub("", tidy)
    if asked != tidy and asked.endswith(".") and not asked.endswith(".."):
        asked = asked[:-1]  # "Tell me who won." asks "Who won?"
    asked = asked[:1].upper() + asked[1:]
    if asked and asked[-1] not in _ENDS_A_SENTENCE:
        return asked + "?"
    return asked


class PassageWords:
    """How the passages retrieved for a question spell its names."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._text = "\n".join(texts)

    def mended(self, question: str, known: Callable[[str], bool] | None = None) -> str:
        """The question with each capitalised word that neither the passages nor the archive
        (`known`) hold spelt as the one name the passages hold a letter away from it (a letter
        dropped, added or changed, or two swapped; two such edits for a word of `LONG_NAME`
        letters or more): "Microsft" → "Microsoft", "Manchester Untied" → "Manchester
        United". A word with no such name, or with two equally near, is left as typed, and so
        are the first word (capitalised as the question's opening: "Worse" is no misspelt
        "Horse"), stopwords and words shorter than `MIN_NAME` letters ("Iran" is no misspelt
        "Iraq", nor "Mali" "Mail"). Looking a word up is a search of some 12,000 characters;
        the passages' names are gathered only for a word they lack."""

        def mended(match: re.Match[str]) -> str:
            word = match.group(0)
            if (
                match.start() == 0
                or not word[:1].isupper()
                or len(word) < MIN_NAME
                or is_stopword(word)
                or self._holds(word)
                or (known is not None and known(word))
            ):
                return word
            edits = 1 if len(word) < LONG_NAME else 2
            names = self._names
            near = process.extract(
                word.lower(), list(names), scorer=OSA.distance, score_cutoff=edits, limit=2
            )
            if not near or (len(near) == 2 and near[0][1] == near[1][1]):
                return word
            return names[near[0][0]]

        return _WORD.sub(mended, question)

    def _holds(self, word: str) -> bool:
        return re.search(rf"\b{re.escape(word)}\b", self._text, re.IGNORECASE) is not None

    @cached_property
    def _names(self) -> dict[str, str]:
        """The words the passages write capitalised, by lower-case form: what a misspelt name
        may be. Where a word is seen inside sentences, only those forms count (a capital that
        opens a sentence says nothing of the word)."""
        inside: dict[str, Counter[str]] = defaultdict(Counter)
        openings: dict[str, Counter[str]] = defaultdict(Counter)
        for match in _WORD.finditer(self._text):
            opens = _SENTENCE_START.search(self._text, max(0, match.start() - 3), match.start())
            (openings if opens else inside)[match.group(0).lower()][match.group(0)] += 1
        names = {}
        for lower in {*inside, *openings}:
            form = (inside.get(lower) or openings[lower]).most_common(1)[0][0]
            if form[:1].isupper() and not is_stopword(lower):
                names[lower] = form
        return names
