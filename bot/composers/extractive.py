"""The default composer: quote the archive's own sentences that best answer the question."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from bot.composers import declined_answer
from bot.composers.cues import Expect, expected_answer, key_terms, name_terms, supplies, words
from bot.models import Answer, Citation, cite
from index.embedding import TextEmbedder, embed_question
from index.retrieval import Passage
from index.sentence_vectors import SentenceVectors
from index.sentences import quotable_spans

# Stored vectors of chunks' sentences (made at ingest), by chunk id.
SentenceVectorLookup = Callable[[list[str]], Mapping[str, SentenceVectors]]

# Weights of the evidence score (each part in [0, 1]); tuned on eval/*.jsonl.
W_MEANING = 0.55  # cosine similarity of question and sentence embeddings
W_TERMS = 0.30  # share of the question's key terms the sentence (or its headline) mentions
W_EXPECTED = 0.15  # the sentence holds what the question asks for (a name, a date, a number)
W_SENTENCE_TERMS = 0.7  # of the term share: in the sentence; the rest: anywhere in its passage
W_MISSING_NAMES = 0.25  # penalty when names the question uses are nowhere in the passage
RANK_BONUS = 0.04  # a little trust in the retriever's order
EXTRA_MARGIN = 0.08  # a further sentence must score within this of the best one
NEAR_DUPLICATE = 0.92  # sentences this similar say the same thing: quote only one
PRESELECT = 6  # best sentences by the cheap lexical score that are weighed for meaning
SHORTLIST = 3  # of those, embedded afresh when the stored vectors leave it a close call
CLEAR_LEAD = 0.03  # a first look this far ahead of the runner-up settles the choice
CLEAR_OF_DECLINE = 0.03  # ... when it is also this far from the decline threshold
MIN_WORDS, MAX_WORDS = 5, 60
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(frozen=True, eq=False)
class Candidate:
    """One sentence of a retrieved passage, with where it sits and how well it answers."""

    passage: Passage
    rank: int  # the passage's place in the retrieval results, from 0
    start: int  # offsets into the article text
    end: int
    text: str
    terms: frozenset[str]
    vector: np.ndarray | None = field(default=None, repr=False)
    cheap_score: float = 0.0  # terms, expected answer, names, shape: no model
    score: float = 0.0  # the cheap score plus meaning, once weighed
    embedded_alone: bool = False  # its meaning is from its own embedding, not a pooled vector
    supplies_expected: bool = False


class ExtractiveComposer:
    """Picks 1–3 verbatim sentences from the passages and cites each; declines on weak evidence.

    Give it a `CachedEmbedder` (as the container does) so that repeated sentences and the
    question, already embedded for retrieval, cost nothing, and the catalog's sentence vectors
    so that only the final `shortlist` sentences are embedded per question.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: TextEmbedder,
        min_score: float = 0.51,  # NEWSBOT_ANSWER_MIN_SCORE: see eval/README.md
        max_sentences: int = 3,
        shortlist: int = SHORTLIST,
        preselect: int = PRESELECT,
        sentence_vectors: SentenceVectorLookup | None = None,
    ) -> None:
        self.embedder = embedder
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.shortlist = shortlist
        self.preselect = preselect
        self.sentence_vectors = sentence_vectors

    def compose(self, question: str, passages: list[Passage]) -> Answer:
        final: Answer | None = None
        for piece in self.stream(question, passages):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """One text piece per quoted sentence, then the Answer."""
        ranked = self.rank(question, passages)
        if not ranked or ranked[0].score < self.min_score:
            declined = declined_answer(passages)
            yield declined.answer
            yield declined
            return
        citations: list[Citation] = []
        pieces: list[str] = []
        for n, candidate in enumerate(self.choose(question, ranked), start=1):
            citations.append(_citation(n, candidate))
            piece = ("" if n == 1 else " ") + with_marker(candidate.text, n)
            pieces.append(piece)
            yield piece
        yield Answer(answer="".join(pieces), answerable=True, citations=citations)

    def rank(self, question: str, passages: list[Passage]) -> list[Candidate]:
        """The likeliest sentences of the passages, scored as answers to the question, best first.

        Every sentence gets a cheap lexical score. The best `preselect` of them are weighed for
        meaning with their stored vectors (pooled from their chunk at ingest). That first look
        stands when it is clear: its best sentence leads the runner-up by `CLEAR_LEAD` and is
        `CLEAR_OF_DECLINE` away from the decline threshold. Close calls are weighed again with
        the best `shortlist` sentences embedded on their own, since pooled vectors share some
        meaning across a chunk and embedding costs most of the answering time. Without stored
        vectors all `preselect` sentences are embedded.
        """
        preselected = score_lexically(question, sentence_candidates(passages))[: self.preselect]
        if not preselected:
            return []
        asked = embed_question(self.embedder, question)
        stored = self._stored_vectors(preselected)
        if stored is None:
            vectors = self.embedder.embed([c.text for c in preselected])
            return _weighed(preselected, vectors, asked, embedded_alone=True)
        first_look = _weighed(preselected, stored, asked, embedded_alone=False)
        if self._clear(first_look):
            return first_look
        shortlist = first_look[: self.shortlist]
        vectors = self.embedder.embed([c.text for c in shortlist])
        return _weighed(shortlist, vectors, asked, embedded_alone=True)

    def _clear(self, ranked: list[Candidate]) -> bool:
        best = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else -math.inf
        return best - runner_up >= CLEAR_LEAD and abs(best - self.min_score) >= CLEAR_OF_DECLINE

    def _stored_vectors(self, candidates: list[Candidate]) -> np.ndarray | None:
        """The candidates' sentence vectors from the index, or None unless every one has one."""
        if self.sentence_vectors is None:
            return None
        stored = self.sentence_vectors(list({c.passage.chunk.id for c in candidates}))
        rows = []
        for c in candidates:
            chunk = c.passage.chunk
            found = stored.get(chunk.id)
            row = found.vector(c.start - chunk.start, c.end - chunk.start) if found else None
            if row is None:
                return None
            rows.append(row)
        return np.stack(rows)

    def choose(self, question: str, ranked: list[Candidate]) -> list[Candidate]:
        """The best sentence, plus any close runner-up that adds a missing term or the answer."""
        best = ranked[0]
        chosen = [best]
        asked = key_terms(question)
        covered = set(best.terms & asked)
        has_expected = best.supplies_expected
        for candidate in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if candidate.score < best.score - EXTRA_MARGIN or not candidate.embedded_alone:
                break  # pooled vectors rank sentences of one chunk too close to add a second
            new_terms = (candidate.terms & asked) - covered
            adds_answer = candidate.supplies_expected and not has_expected
            if not (new_terms or adds_answer) or _repeats(candidate, chosen):
                continue
            chosen.append(candidate)
            covered |= candidate.terms & asked
            has_expected = has_expected or candidate.supplies_expected
        return chosen


def _weighed(
    candidates: list[Candidate], vectors: np.ndarray, asked: np.ndarray, embedded_alone: bool
) -> list[Candidate]:
    """The candidates with the meaning of their vectors added to their cheap scores, best first.

    `candidates` carry their cheap score (from `score_lexically`), so weighing them again with
    other vectors replaces the meaning part, never adds a second one.
    """
    meaning = np.clip(vectors @ asked, 0.0, 1.0)
    weighed = [
        replace(
            c,
            vector=v,
            score=c.cheap_score + W_MEANING * float(m),
            embedded_alone=embedded_alone,
        )
        for c, v, m in zip(candidates, vectors, meaning, strict=True)
    ]
    weighed.sort(key=lambda c: -c.score)
    return weighed


def score_lexically(question: str, candidates: list[Candidate]) -> list[Candidate]:
    """Candidates with their cheap score (terms, expected answer, names, shape), best first."""
    asked = key_terms(question)
    expect = expected_answer(question)
    weights = _term_weights(asked, candidates)
    names = name_terms(question)
    context: dict[
        int, tuple[frozenset[str], frozenset[str]]
    ] = {}  # terms of each headline, and + passage
    scored = []
    for candidate in candidates:
        if candidate.rank not in context:
            chunk = candidate.passage.chunk
            title = key_terms(chunk.title)
            context[candidate.rank] = title, title | key_terms(chunk.text)
        title, around = context[candidate.rank]
        has = supplies(candidate.text, expect, question)
        terms = W_SENTENCE_TERMS * _coverage(weights, candidate.terms | title)
        terms += (1 - W_SENTENCE_TERMS) * _coverage(weights, around)
        missing = len(names - around) / len(names) if names else 0.0
        score = (
            W_TERMS * terms
            + W_EXPECTED * (0.5 if expect is Expect.NONE else float(has))
            + RANK_BONUS / (1 + candidate.rank)
            - W_MISSING_NAMES * missing
            - shape_penalty(candidate.text)
        )
        scored.append(replace(candidate, cheap_score=score, score=score, supplies_expected=has))
    scored.sort(key=lambda c: -c.score)
    return scored


def _term_weights(asked: frozenset[str], candidates: list[Candidate]) -> dict[str, float]:
    """Question terms weighted by rarity among the candidates: common ones tell little apart."""
    n = len(candidates)
    return {
        term: math.log(1 + n / (1 + sum(term in c.terms for c in candidates))) for term in asked
    }


def _coverage(weights: dict[str, float], terms: frozenset[str] | set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 0.0


def sentence_candidates(passages: list[Passage]) -> list[Candidate]:
    """The sentences of every passage (offsets into the article), each sentence once.

    A sentence that introduces a list ("… demands, including:") keeps the items that follow
    it in the passage, since on its own it says nothing.
    """
    seen: set[tuple[str, str]] = set()
    candidates = []
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        for s, e in quotable_spans(chunk.text):
            text = chunk.text[s:e]
            key = (chunk.article_id, text)  # overlapping chunks, repeated headings: once each
            if key in seen or len(words(text)) < 2:
                continue
            seen.add(key)
            candidates.append(
                Candidate(
                    passage,
                    rank,
                    chunk.start + s,
                    chunk.start + e,
                    text,
                    key_terms(text),
                )
            )
    return candidates


def shape_penalty(text: str) -> float:
    """Headings, list items, fragments and rambling sentences make poor answers."""
    n = len(words(text))
    penalty = 0.0
    if n < MIN_WORDS:
        penalty += 0.10
    if n > MAX_WORDS:
        penalty += 0.05
    if not _ENDS_SENTENCE.search(text):
        penalty += 0.15  # a heading or a cut-off fragment
    if text.lstrip().startswith(("-", "•", "*")) or text.rstrip().endswith(":"):
        penalty += 0.05
    return penalty


def with_marker(sentence: str, n: int) -> str:
    """The sentence with its citation marker before the final stop: "… on 3 May [1]."."""
    if sentence.endswith((".", "!", "?")) and not sentence.endswith("..."):
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]"


def _repeats(candidate: Candidate, chosen: list[Candidate]) -> bool:
    if candidate.vector is None:
        return False
    return any(
        c.vector is not None and float(candidate.vector @ c.vector) > NEAR_DUPLICATE for c in chosen
    )


def _citation(n: int, candidate: Candidate) -> Citation:
    return cite(
        n, candidate.passage.chunk, candidate.start, candidate.end, candidate.text, candidate.score
    )
