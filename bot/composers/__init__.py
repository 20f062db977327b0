"""Composers turn retrieved passages into a cited Answer; the service picks one by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from bot.models import Answer, Turn
from index.search.retrieval import Passage


@runtime_checkable
class Composer(Protocol):
    """Writes an answer from passages; every `[n]` in it must point at a listed citation."""

    name: str

    def compose(self, question: str, passages: list[Passage]) -> Answer: ...


@runtime_checkable
class StreamingComposer(Composer, Protocol):
    """A composer that can hand out the answer text as it is written."""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """Yields answer text pieces, then exactly one final Answer."""
        ...


@runtime_checkable
class CondensingComposer(Composer, Protocol):
    """A composer with its own way of making a follow-up question stand alone (an LLM's)."""

    def condense(self, question: str, history: list[Turn]) -> str: ...


@runtime_checkable
class PreparingComposer(Composer, Protocol):
    """A composer that can start on a question while its passages are being retrieved."""

    def prepare(self, question: str) -> None: ...


@runtime_checkable
class ClosingComposer(Composer, Protocol):
    """A composer that holds something to release when the service closes (a worker)."""

    def close(self) -> None: ...


@runtime_checkable
class FollowUpComposer(StreamingComposer, Protocol):
    """A composer that can answer a follow-up without repeating what was already said."""

    def stream_follow_up(
        self, question: str, passages: list[Passage], already_said: list[str]
    ) -> Iterator[str | Answer]: ...


NOTHING_FOUND = "The archive has nothing on that."
NO_MATCH = "No articles match"  # opens the decline when filters leave no article
EMPTY_ARCHIVE = (
    "The archive is empty: add articles with `newsbot ingest PATH` or `POST /v1/ingest`."
)
# how every decline opens: such an answer names nothing of the story a follow-up leans on
DECLINE_OPENINGS = (NOTHING_FOUND, NO_MATCH, EMPTY_ARCHIVE)


def declined_answer(nearest: list[Passage], max_titles: int = 3) -> Answer:
    """The answer for a question the archive cannot support: no citations, nearest headlines."""
    titles: list[str] = []
    for passage in nearest:
        title = passage.chunk.title.strip()
        if title and title not in titles:
            titles.append(title)
        if len(titles) == max_titles:
            break
    text = NOTHING_FOUND
    if titles:
        text += " The nearest articles are: " + "; ".join(f"“{t}”" for t in titles) + "."
    return Answer(answer=text, answerable=False, citations=[])


__all__ = [
    "DECLINE_OPENINGS",
    "EMPTY_ARCHIVE",
    "NOTHING_FOUND",
    "NO_MATCH",
    "ClosingComposer",
    "Composer",
    "CondensingComposer",
    "FollowUpComposer",
    "PreparingComposer",
    "StreamingComposer",
    "declined_answer",
]
