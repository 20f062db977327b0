"""Plain data that every edge (REST, Discord, CLI) shows: answers and their citations."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from index.catalog import StoredChunk

# A citation marker in an answer's text: "[1]", "[2]" … (an article's own bracketed numbers
# look the same, which is why the extractive composer rewrites those as "(n)")
CITATION_MARKER = re.compile(r"\[(\d+)\]")

# "<first 16 hex digits of the article's content hash>:<start>-<end>", offsets into its text
_CITATION_ID = re.compile(r"([0-9a-f]{16}):(\d{1,9})-(\d{1,9})")


def citation_id(content_hash_prefix: str, start: int, end: int) -> str:
    """The id of the exact span `start:end` of the article whose content hash starts so: it
    resolves for as long as the article's text is unchanged (the form chunk ids have too, so
    ids handed out for whole chunks still resolve, to those chunks)."""
    return f"{content_hash_prefix[:16]}:{start}-{end}"


def parse_citation_id(text: str) -> tuple[str, int, int] | None:
    """(hash prefix, start, end) of a citation id, or None when it is not one."""
    found = _CITATION_ID.fullmatch(text.strip())
    if found is None:
        return None
    start, end = int(found[2]), int(found[3])
    return (found[1], start, end) if start < end else None


@dataclass(frozen=True)
class Citation:
    """One cited passage: `article text[start:end] == quote`, exactly."""

    n: int
    id: str  # names this exact quote (see citation_id): stable while the article is unchanged
    article_id: str
    title: str
    source: str
    url: str
    published: str | None  # ISO date, or None when unknown
    quote: str
    start: int
    end: int
    score: float


def cite(n: int, chunk: StoredChunk, start: int, end: int, quote: str, score: float) -> Citation:
    """Citation `n` of the span `start:end` (article offsets) that lies inside `chunk`."""
    return Citation(
        n=n,
        id=citation_id(chunk.id.partition(":")[0], start, end),
        article_id=chunk.article_id,
        title=chunk.title,
        source=chunk.source,
        url=chunk.url,
        published=chunk.published or None,
        quote=quote,
        start=start,
        end=end,
        score=round(score, 4),
    )


@dataclass(frozen=True)
class ShortAnswer:
    """The few words that answer (a name, a date, a sum), inside citation `n`'s quote.

    `quote[start:end] == text`, where `quote` is that citation's quote.
    """

    text: str
    n: int
    start: int
    end: int

    @property
    def lead(self) -> str:
        """How it opens the answer text: "Giant Company Software: …"."""
        return f"{self.text}: "


@dataclass(frozen=True)
class Answer:
    """An answer whose every claim carries `[n]` markers that point into `citations`."""

    answer: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    short_answer: ShortAnswer | None = None
    answer_type: str | None = None  # what the question asked for ("person", "date", …)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def after_short_answer(self) -> str | None:
        """The answer text after its leading short answer, or None when it has none."""
        short = self.short_answer
        if short is None or not self.answer.startswith(short.lead):
            return None
        return self.answer[len(short.lead) :]


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
