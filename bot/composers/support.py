"""Does a passage support a claim? Term overlap, invented numbers/names and embedding similarity."""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bot.composers.terms import acronym_runs, content_terms, names, numbers, term_found
from index.embedding import TextEmbedder
from index.sentences import sentence_spans

EVIDENCE_CACHE_SIZE = 256  # prepared passages kept between answers
PAIR_PENALTY = 0.03  # a two-sentence quote must beat a one-sentence quote by this much


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
        # Recently prepared passages: a popular article is cited again and again.
        self._evidence: OrderedDict[tuple[str, int], Evidence] = OrderedDict()
        self._lock = threading.Lock()

    def evidence(self, text: str, offset: int = 0, header: str = "") -> Evidence:
        """Prepare a passage (`text` starts at `offset` in its article; `header` is also shown)."""
        key = (header + "\0" + text, offset)
        with self._lock:
            if key in self._evidence:
                self._evidence.move_to_end(key)
                return self._evidence[key]
        prepared = self._prepare(text, offset, header)
        with self._lock:
            self._evidence[key] = prepared
            while len(self._evidence) > EVIDENCE_CACHE_SIZE:
                self._evidence.popitem(last=False)
        return prepared

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
