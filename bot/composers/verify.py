"""Keep only what the sources say: check every sentence of a generated answer against its `[n]`.

A sentence survives when at least one of its markers names a source that was shown *and* that
source supports it (bot.composers.support). Sentences without a marker, citing unknown sources,
or unsupported by every source they cite are dropped — not flagged: an Answer promises that each
claim carries a citation to a passage that says it. Kept markers are renumbered in order of first
use; each number names one exact quote (`article_text[start:end] == quote`).

Calibrate the support thresholds: `python -m bot.composers.verify --calibrate eval/support.jsonl`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from bot.composers.support import Evidence, Support, SupportChecker
from bot.models import CITATION_MARKER, Answer, Citation, cite
from index.search.retrieval import Passage
from index.sentences import sentence_spans

_NUMS = r"\d{1,3}(?:\s*(?:,|;|&|and)\s*(?:sources?\s*)?\d{1,3})*"
# "[1]", "[1, 2]", "[Source 1]", "(Source 2)": the ways models write a citation.
_ANY_MARKER = re.compile(
    rf"\[\s*(?:sources?\s*)?({_NUMS})\s*\]|\(\s*sources?\s*({_NUMS})\s*\)", re.IGNORECASE
)
# Markers written after the full stop ("… Riyadh. [1]") belong to the sentence before it.
_MARKERS_AFTER_STOP = re.compile(r"([.!?…]+)((?:\s*\[\d+\])+)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^\s*(?:answer|response)\s*:\s*", re.IGNORECASE)
_SPACE_BEFORE_STOP = re.compile(r"\s+([.!?…,;:])")
NEAR_DUPLICATE = 0.95  # a kept sentence this similar to an earlier one repeats it


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer: its text without markers and the numbers it cites."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class CheckedClaim:
    """What verification decided about one claim, and why (for tests, logs and calibration)."""

    claim: Claim
    kept: bool
    reason: str  # "supported" | "no marker" | "unknown source" | "unsupported" | "duplicate"
    support: dict[int, Support] = field(default_factory=dict)  # by the source number cited


def normalise_markers(text: str) -> str:
    """Every marker as `[n]`, placed before the sentence's final stop."""

    def canonical(match: re.Match[str]) -> str:
        numbers = re.findall(r"\d+", match.group(1) or match.group(2))
        return "".join(f"[{n}]" for n in numbers)

    text = _ANY_MARKER.sub(canonical, text)
    return _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text)


def _claim(sentence: str) -> Claim:
    markers = tuple(dict.fromkeys(int(n) for n in CITATION_MARKER.findall(sentence)))
    text = _BULLET.sub("", _LABEL.sub("", CITATION_MARKER.sub(" ", sentence)))
    text = _SPACE_BEFORE_STOP.sub(r"\1", re.sub(r"\s+", " ", text)).strip()
    return Claim(text=text, markers=markers)


def split_claims(text: str) -> list[Claim]:
    """The sentences of an answer, each with the source numbers it cites."""
    normalised = normalise_markers(text)
    claims = [_claim(normalised[s:e]) for s, e in sentence_spans(normalised)]
    return [c for c in claims if c.text]


class ClaimStream:
    """Cuts streamed text into claims as soon as each is certainly complete."""

    def __init__(self) -> None:
        self._buffer = ""
        self._emitted = 0

    def feed(self, delta: str) -> list[Claim]:
        self._buffer += delta
        normalised = normalise_markers(self._buffer)
        spans = sentence_spans(normalised)
        # The last sentence may still grow; if it is only markers so far, so may the one before.
        complete = len(spans) - 1
        if spans and normalised[spans[-1][0]] in "[(":
            complete -= 1
        return self._take(normalised, spans[:complete])

    def finish(self) -> list[Claim]:
        normalised = normalise_markers(self._buffer)
        return self._take(normalised, sentence_spans(normalised))

    def _take(self, text: str, spans: list[tuple[int, int]]) -> list[Claim]:
        fresh = spans[self._emitted :]
        self._emitted = max(self._emitted, len(spans))
        return [c for c in (_claim(text[s:e]) for s, e in fresh) if c.text]


def with_markers(sentence: str, numbers: list[int]) -> str:
    """The sentence with its markers before the final stop: "… on 18 February [1][2]."."""
    marks = "".join(f"[{n}]" for n in numbers)
    if sentence.endswith((".", "!", "?")) and not sentence.endswith("..."):
        return f"{sentence[:-1]} {marks}{sentence[-1]}"
    return f"{sentence} {marks}"


def source_header(passage: Passage) -> str:
    """The headline and date a model is shown above a passage (and may therefore repeat)."""
    chunk = passage.chunk
    when = _long_date(chunk.published)
    return f"{chunk.title} ({when})" if when else chunk.title


def _long_date(iso: str) -> str:
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return ""
    return f"{day.day} {day:%B %Y}"


class AnswerVerification:
    """Verifies one generated answer claim by claim (so a stream can show each kept sentence)."""

    def __init__(self, checker: SupportChecker, passages: list[Passage]) -> None:
        self.checker = checker
        self.passages = passages  # source n is passages[n - 1]
        self.checked: list[CheckedClaim] = []
        self.sentences: list[str] = []
        self.citations: list[Citation] = []
        self._number_of: dict[tuple[str, int, int], int] = {}
        self._kept_vectors: list[np.ndarray] = []

    def add(self, claim: Claim) -> str | None:
        """The claim rendered with renumbered markers when it is kept; None when dropped."""
        shown = [n for n in claim.markers if 1 <= n <= len(self.passages)]
        if not claim.markers or not shown:
            reason = "no marker" if not claim.markers else "unknown source"
            self.checked.append(CheckedClaim(claim, False, reason))
            return None
        vector = self.checker.embedder.embed([claim.text])[0]
        supports = {n: self.checker.check(claim.text, self._evidence(n), vector) for n in shown}
        backing = [n for n in shown if supports[n].supported]
        if not backing:
            self.checked.append(CheckedClaim(claim, False, "unsupported", supports))
            return None
        if any(float(vector @ kept) >= NEAR_DUPLICATE for kept in self._kept_vectors):
            self.checked.append(CheckedClaim(claim, False, "duplicate", supports))
            return None
        numbers = list(dict.fromkeys(self._number(n, supports[n]) for n in backing))
        sentence = with_markers(claim.text, numbers)
        self.checked.append(CheckedClaim(claim, True, "supported", supports))
        self.sentences.append(sentence)
        self._kept_vectors.append(vector)
        return sentence

    def add_all(self, claims: list[Claim]) -> Iterator[str]:
        for claim in claims:
            sentence = self.add(claim)
            if sentence is not None:
                yield sentence

    def answer(self) -> Answer | None:
        """The verified answer, or None when no sentence survived."""
        if not self.sentences:
            return None
        return Answer(
            answer=" ".join(self.sentences), answerable=True, citations=list(self.citations)
        )

    def _evidence(self, n: int) -> Evidence:
        passage = self.passages[n - 1]
        chunk = passage.chunk
        return self.checker.evidence(chunk.text, chunk.start, source_header(passage))

    def _number(self, source: int, support: Support) -> int:
        chunk = self.passages[source - 1].chunk
        key = (chunk.id, support.start, support.end)
        if key not in self._number_of:
            self._number_of[key] = len(self._number_of) + 1
            self.citations.append(
                cite(
                    self._number_of[key],
                    chunk,
                    support.start,
                    support.end,
                    support.quote,
                    support.similarity,
                )
            )
        return self._number_of[key]


def verify_answer(text: str, passages: list[Passage], checker: SupportChecker) -> Answer | None:
    """The supported part of a generated answer, renumbered; None when nothing is supported."""
    verification = AnswerVerification(checker, passages)
    list(verification.add_all(split_claims(text)))
    return verification.answer()


if __name__ == "__main__":
    from bot.composers.calibrate import main

    main()
