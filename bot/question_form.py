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
from collections.abc import Callable, Iterable
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.words import is_stopword

# words as casing sees them: "russia's" is "russia" and "s", so "Russia’s" and "Russia" count
_WORD = re.compile(r"\w+")
# a word right after the end of a sentence (or an opening quote) is capitalised for that alone
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“‘(]\s*)$")
_ENDS_A_SENTENCE = ".?!"
# a heading ("Frequently Asked Questions", "Analyzing Potential Negotiation Scenarios"): a short
# line that ends no sentence, with at least _HEADING_WORDS words of four letters or more, most
# of them capitalised; its capitals say nothing of the words
_HEADING_WORDS = 3
_HEADING_LENGTH = 15  # words at most
_LONG_WORD = re.compile(r"\b[^\W\d_]{4,}")
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
    you tell me who won" → "Who won?"), and with a question mark when it ends without any
    closing punctuation ("who won" → "who won?")."""
    tidy = " ".join(text.split())
    asked = _INDIRECT_OPENING.sub("", tidy)
    if asked != tidy:
        tidy = asked[:1].upper() + asked[1:]
        if tidy.endswith(".") and not tidy.endswith(".."):  # "Tell me who won." asks "Who won?"
            tidy = tidy[:-1]
    if tidy and tidy[-1] not in _ENDS_A_SENTENCE:
        return tidy + "?"
    return tidy


def is_uncased(question: str) -> bool:
    """Whether the question was typed without capitals (nothing to learn its names from): none
    past its first letter, which a phone or `as_question` may have capitalised."""
    return not any(c.isupper() for c in question[1:])


class PassageWords:
    """How the passages retrieved for a question write its words: the casing and spelling a
    question typed casually is read with. Each word is looked up in their text when asked
    for, so a question costs a few searches of some 12,000 characters."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._text = "\n".join(texts)

    def cased(self, question: str) -> str:
        """The question with each word cased as the passages mostly write it inside a
        sentence ("microsoft" → "Microsoft", "bbc" → "BBC", "the" stays), and its first
        letter capitalised.

        A word changes only to a form the passages write more often than the one typed. A
        word they hold only at the opening of sentences takes the casing it has there, unless
        it is a stopword ("The", "In"); capitals in headings count for nothing; a word they
        never hold is left as typed."""

        def cased(match: re.Match[str]) -> str:
            word = match.group(0)
            inside, openings = self._seen(word)
            seen = inside or (None if is_stopword(word) else openings)
            if not seen:
                return word
            form, count = seen.most_common(1)[0]
            return form if count > seen.get(word, 0) else word

        restored = _WORD.sub(cased, question)
        return restored[:1].upper() + restored[1:]

    def mended(self, question: str, known: Callable[[str], bool] | None = None) -> str:
        """The question with each capitalised word that neither the passages nor the archive
        (`known`) hold spelt as the one name the passages hold a letter away from it (a letter
        dropped, added or changed, or two swapped; two such edits for a word of `LONG_NAME`
        letters or more): "Microsft" → "Microsoft", "Manchester Untied" → "Manchester
        United". A word with no such name, or with two equally near, is left as typed, and so
        are the first word (capitalised as the question's opening: "Worse" is no misspelt
        "Horse"), stopwords and words shorter than `MIN_NAME` letters ("Iran" is no misspelt
        "Iraq", nor "Mali" "Mail")."""

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

    def _seen(self, word: str) -> tuple[Counter[str], Counter[str]]:
        """How the passages write the word: inside sentences, and at their openings (where a
        capital says nothing of the word); headings left out."""
        inside: Counter[str] = Counter()
        openings: Counter[str] = Counter()
        for match in re.finditer(rf"\b{re.escape(word)}\b", self._text, re.IGNORECASE):
            if not self._in_heading(match.start()):
                (openings if self._opens(match.start()) else inside)[match.group(0)] += 1
        return inside, openings

    @cached_property
    def _names(self) -> dict[str, str]:
        """The words the passages write capitalised, by lower-case form: what a misspelt name
        may be. Where a word is seen inside sentences, only those forms count."""
        inside: dict[str, Counter[str]] = defaultdict(Counter)
        openings: dict[str, Counter[str]] = defaultdict(Counter)
        for match in _WORD.finditer(self._text):
            if not self._in_heading(match.start()):
                forms = openings if self._opens(match.start()) else inside
                forms[match.group(0).lower()][match.group(0)] += 1
        names = {}
        for lower in {*inside, *openings}:
            form = (inside.get(lower) or openings[lower]).most_common(1)[0][0]
            if form[:1].isupper() and not is_stopword(lower):
                names[lower] = form
        return names

    def _opens(self, at: int) -> bool:
        return _SENTENCE_START.search(self._text, max(0, at - 3), at) is not None

    def _in_heading(self, at: int) -> bool:
        start = self._text.rfind("\n", 0, at) + 1
        return start in self._headings

    @cached_property
    def _headings(self) -> frozenset[int]:
        """Where the lines that are headings start."""
        starts = []
        start = 0
        for line in self._text.split("\n"):
            words = _LONG_WORD.findall(line)
            capitalised = sum(w[:1].isupper() for w in words)
            if (
                len(words) >= _HEADING_WORDS
                and capitalised * 2 > len(words)
                and len(line.split()) <= _HEADING_LENGTH
                and not line.rstrip().endswith((".", "!", "?", '"', "”", "'", "’"))
            ):
                starts.append(start)
            start += len(line) + 1
        return frozenset(starts)


def restore_case(question: str, texts: Iterable[str]) -> str:
    """`PassageWords.cased` over these texts."""
    return PassageWords(texts).cased(question)
