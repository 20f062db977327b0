"""Does a passage support a claim? Term overlap, invented numbers/names and embedding similarity."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import Stemmer

from index.embedding import TextEmbedder
from index.sentences import sentence_spans


def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS = frozenset(_words("""
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me might more most must my myself neither no nor not now of off on
    once only or other our ours ourselves out over own per same shall she should so some such
    than that the their theirs them themselves then there these they this those through to too
    under until up upon us very via was we were what when where which while who whom whose why
    will with within without would yet you your yours according said says say saying told tell
    source sources reported reports stated states noted added
"""))  # fmt: skip
# Capitalised words that are not names even in mid-sentence.
NOT_NAMES = frozenset(_words("i i'm monday tuesday wednesday thursday friday saturday sunday"))
# Capitalised only because they open a sentence; any other opening word is checked like a name.
SENTENCE_OPENERS = frozenset(_words("""
    several many much both each every another recent recently however meanwhile currently today
    overall additionally furthermore moreover finally instead despite although though since yes
    in on at for from after before during while as while until unless whether there here
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
PAIR_PENALTY = 0.03  # a two-sentence quote must beat a one-sentence quote by this much
MIN_PREFIX = 4  # a stem counts as another's variant ("russia"/"russian") from this length


@dataclass(frozen=True)
class SupportThresholds:
    """A claim is supported when both scores reach these and it invents no number or name."""

    min_overlap: float
    min_similarity: float


# Calibrated with `python -m bot.composers.verify --calibrate eval/support.jsonl`: 99% accurate
# on the 99 in-scope labelled pairs (98% leave-one-out); see bot/composers/calibrate.py.
DEFAULT_THRESHOLDS = SupportThresholds(min_overlap=0.55, min_similarity=0.56)


@dataclass(frozen=True)
class Support:
    """How well one passage supports one claim, and the passage span that supports it best."""

    supported: bool
    overlap: float  # share of the claim's content words found in the passage (or its header)
    similarity: float  # cosine of claim and best span embeddings
    invented: tuple[str, ...]  # numbers and names of the claim that the passage lacks
    start: int  # the best span, as offsets into the article text
    end: int
    quote: str


_local = threading.local()  # PyStemmer objects must not be shared between threads


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


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


@dataclass(frozen=True)
class Evidence:
    """One passage, prepared once: its candidate quotes with their words, numbers and vectors."""

    terms: set[str]  # every word of the passage and its header: names may come from anywhere
    header_terms: set[str]  # the headline and date shown above the passage
    header_numbers: set[str]
    spans: list[tuple[int, int]]  # offsets into the article: single sentences, then pairs
    singles: int  # how many of the spans are single sentences
    span_texts: list[str]
    span_terms: list[set[str]]
    span_numbers: list[set[str]]
    vectors: np.ndarray  # one row per span
    # Clause windows of long sentences: a short claim matches a clause better than a long
    # sentence. Row i of clause_vectors belongs to the sentence clause_of[i].
    clause_vectors: np.ndarray
    clause_of: np.ndarray


class SupportChecker:
    """Scores claims against passages with the packaged embedder; thresholds decide support.

    A claim is judged against one quote (a sentence or two adjacent ones) of the passage: the
    quote a reader is shown must hold the claim's words and numbers by itself. Names may come
    from elsewhere in the passage ("He said …" two sentences after the name), never from outside.
    """

    def __init__(
        self, embedder: TextEmbedder, thresholds: SupportThresholds = DEFAULT_THRESHOLDS
    ) -> None:
        self.embedder = embedder
        self.thresholds = thresholds
        self._evidence: dict[tuple[str, int], Evidence] = {}

    def evidence(self, text: str, offset: int = 0, header: str = "") -> Evidence:
        """Prepare a passage (`text` starts at `offset` in its article; `header` is also shown)."""
        key = (header + "\0" + text, offset)
        if key not in self._evidence:
            self._evidence[key] = self._prepare(text, offset, header)
        return self._evidence[key]

    def _prepare(self, text: str, offset: int, header: str) -> Evidence:
        sentences = [(s, e) for s, e in sentence_spans(text) if content_terms(text[s:e])]
        spans = list(sentences)
        spans += [(a[0], b[1]) for a, b in itertools.pairwise(sentences)]
        span_texts = [text[s:e] for s, e in spans]
        clauses = [(i, c) for i, (s, e) in enumerate(sentences) for c in clause_windows(text[s:e])]
        vectors = self.embedder.embed(span_texts + [c for _, c in clauses])
        header_terms = content_terms(header) | set(acronym_runs(header))
        return Evidence(
            terms=header_terms | content_terms(text) | set(acronym_runs(text)),
            header_terms=header_terms,
            header_numbers=numbers(header),
            spans=[(offset + s, offset + e) for s, e in spans],
            singles=len(sentences),
            span_texts=span_texts,
            span_terms=[content_terms(t) | set(acronym_runs(t)) for t in span_texts],
            span_numbers=[numbers(t) for t in span_texts],
            vectors=vectors[: len(spans)],
            clause_vectors=vectors[len(spans) :],
            clause_of=np.array([i for i, _ in clauses], dtype=np.int64),
        )

    def check(
        self, claim: str, evidence: Evidence, claim_vector: np.ndarray | None = None
    ) -> Support:
        """Support of one claim (without its markers) by the best quote of a prepared passage."""
        claim_terms, claim_numbers, claim_names = content_terms(claim), numbers(claim), names(claim)
        spelled_out = acronym_runs(claim)  # the claim spells out what the passage abbreviates
        passage_words = evidence.terms.union(
            *(stems for a, stems in spelled_out.items() if a in evidence.terms)
        )
        unknown_names = sorted(n for n in claim_names if not term_found(n, passage_words))
        if not evidence.spans or not claim_terms:
            unknown = sorted(claim_numbers - evidence.header_numbers) + unknown_names
            return Support(False, 0.0, 0.0, tuple(unknown), 0, 0, "")
        vector = claim_vector if claim_vector is not None else self.embedder.embed([claim])[0]
        similarities = _span_similarities(evidence, vector)
        judged = []
        for i, similarity in enumerate(similarities):
            terms = evidence.span_terms[i] | evidence.header_terms
            vocabulary = terms.union(*(st for a, st in spelled_out.items() if a in terms))
            known = evidence.span_numbers[i] | evidence.header_numbers
            lacking = tuple(sorted(claim_numbers - known) + unknown_names)
            overlap = _share_found(claim_terms, vocabulary)
            penalty = PAIR_PENALTY if i >= evidence.singles else 0.0
            rank = (-len(lacking), float(similarity) + overlap - penalty)
            judged.append((rank, i, overlap, float(similarity), lacking))
        _, best, overlap, similarity, invented = max(judged)
        supported = (
            not invented
            and overlap >= self.thresholds.min_overlap
            and similarity >= self.thresholds.min_similarity
        )
        start, end = evidence.spans[best]
        return Support(
            supported, overlap, similarity, invented, start, end, evidence.span_texts[best]
        )


_CLAUSE_BREAK = re.compile(r"(?<=[,;:–—])\s+|\s+(?=[–—]\s)")
MAX_CLAUSES = 3  # windows of up to this many consecutive clauses


def clause_windows(sentence: str) -> list[str]:
    """Runs of 1–3 consecutive clauses of a sentence (none when it has only one clause)."""
    parts = [p for p in _CLAUSE_BREAK.split(sentence) if p.strip()]
    if len(parts) < 2:
        return []
    windows = []
    for size in range(1, min(MAX_CLAUSES, len(parts) - 1) + 1):
        windows += [" ".join(parts[i : i + size]) for i in range(len(parts) - size + 1)]
    return [w for w in windows if content_terms(w)]


def _span_similarities(evidence: Evidence, vector: np.ndarray) -> np.ndarray:
    """Cosine of the claim with each span; a sentence also scores as its best clause window."""
    similarities = evidence.vectors @ vector
    sentence_best = similarities[: evidence.singles].copy()
    if len(evidence.clause_of):
        np.maximum.at(sentence_best, evidence.clause_of, evidence.clause_vectors @ vector)
    similarities[: evidence.singles] = sentence_best
    for j in range(evidence.singles - 1):  # pair j joins sentences j and j + 1
        pair = evidence.singles + j
        similarities[pair] = max(similarities[pair], sentence_best[j], sentence_best[j + 1])
    return similarities


def _share_found(terms: Iterable[str], vocabulary: set[str]) -> float:
    wanted = list(terms)
    if not wanted:
        return 0.0
    return sum(term_found(t, vocabulary) for t in wanted) / len(wanted)
