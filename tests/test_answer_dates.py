"""Dates a question names become published-date filters for the answer's retrieval."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.answer import AnswerService
from bot.container import Archive, build_service
from index.search.retrieval import SearchFilters

ARTICLES = [
    {"id": "recent", "title": "Ferry strike ends in Dover", "published": "2026-11-18",
     "text": "The ferry strike in Dover ended on Tuesday after staff accepted a 5% pay rise."},
    {"id": "older", "title": "Ferry strike begins in Calais", "published": "2026-01-10",
     "text": "A ferry strike began in Calais on Saturday as staff walked out over pay."},
]  # fmt: skip


@pytest.fixture
def service(archive: Archive, tmp_path: Path) -> AnswerService:
    feed = tmp_path / "ferries.jsonl"
    feed.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    archive.ingestor.ingest_paths([feed])
    built = build_service(archive=archive)
    built.today = lambda: date(2026, 11, 25)
    return built


def cited(service: AnswerService, question: str, **kwargs: object) -> set[str]:
    """The articles the answer may cite: those whose passages the composer reads."""
    passages, _ = service.passages(question, **kwargs)  # type: ignore[arg-type]
    return {p.chunk.article_id for p in passages}


def test_relative_and_absolute_dates_narrow_the_search(service: AnswerService) -> None:
    assert cited(service, "How did the ferry strike end last week?") == {"recent"}
    assert cited(service, "Where did a ferry strike begin in January 2026?") == {"older"}


def test_explicit_filters_win(service: AnswerService) -> None:
    january = SearchFilters(published_after=date(2026, 1, 1), published_before=date(2026, 1, 31))
    assert cited(service, "How did the ferry strike end last week?", filters=january) == {"older"}


def test_a_relative_date_with_nothing_in_it_declines(service: AnswerService) -> None:
    answer = service.answer("What happened with the ferry strike yesterday?")
    assert not answer.answerable and not answer.citations


def test_an_absolute_date_with_nothing_published_then_falls_back_to_the_words(
    service: AnswerService,
) -> None:
    # "in 2005" matches no publication date here, so it is read as words in the text instead.
    assert "older" in cited(service, "Where did the ferry strike begin in 2005?")
