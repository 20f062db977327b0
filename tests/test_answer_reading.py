"""Answers as users meet them: markers that only newsbot writes, and follow-ups that each
retrieve for their own meaning (the whole BBC corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import AnswerService
from bot.container import Archive, build_service
from bot.models import Turn
from index.search.retrieval import Passage
from tests.answer_checks import MARKER, assert_well_cited


def service_over_one_story(
    archive: Archive, tmp_path: Path, title: str, text: str
) -> AnswerService:
    """The answering service over `archive` after ingesting one story (a JSONL record)."""
    source = tmp_path / "story.jsonl"
    source.write_text(json.dumps({"id": "story", "title": title, "text": text}) + "\n")
    assert archive.ingestor.ingest_paths([source]).new == 1
    return build_service(archive.settings, archive)


PIER = (
    "The Brighton pier reopened on Saturday after a two-year restoration costing £14m. "
    "The pier was built in 1905 [2] by the engineer Eugenius Birch [3]. "
    "Its new owners expect a million visitors a year."
)


def test_bracketed_numbers_in_an_article_never_read_as_citations(
    archive: Archive, tmp_path: Path
) -> None:
    service = service_over_one_story(archive, tmp_path, "Pier reopens", PIER)
    answer = service.answer("When was the Brighton pier built?")
    assert answer.answerable and "1905" in answer.answer
    assert "[2]" not in answer.answer and "(2)" in answer.answer
    assert [int(n) for n in MARKER.findall(answer.answer)] == [c.n for c in answer.citations]
    assert "[2]" in answer.citations[0].quote  # the quote itself stays verbatim
    assert_well_cited(answer, archive)


PIER_STORY = (
    "The Brighton pier reopened on Saturday after a two-year restoration costing £14m. "
    "The restoration began after a storm tore away the pier's western end in 2002 [2]. "
    "Engineers also rebuilt the ballroom, which had burnt down in 2003. "
    "Its new owners expect a million visitors a year."
)


def test_a_follow_up_passes_over_a_sentence_quoted_with_its_bracketed_numbers(
    archive: Archive, tmp_path: Path
) -> None:
    service = service_over_one_story(archive, tmp_path, "Pier reopens", PIER_STORY)
    first_question = "Why was the Brighton pier restored?"
    first = service.answer(first_question)
    assert first.answerable and "(2)" in first.answer  # the storm sentence, shown unmarked
    history = [Turn(first_question, first.answer)]
    second = service.answer("What else happened to the pier?", history=history)
    assert second.answerable
    # the storm sentence was said, though the answer showed its "[2]" as "(2)"
    assert all("storm" not in c.quote for c in second.citations)
    assert_well_cited(second, archive)


WILLIS = (
    "Actor Bruce Willis is suing Revolution Studios over an injury he said he suffered while "
    "making Tears of the Sun.\n\nWillis is seeking medical expenses after he said he was hit in "
    "the head by a firework during the filming of the 2002 movie, produced by the firm. The "
    "lawsuit said the star has endured mental and physical injuries as a result of the alleged "
    "incident.\n\nDirected by Antoine Fuqua, the film was poorly received by critics."
)


def test_a_sentence_that_only_points_at_the_answer_brings_the_one_naming_it(
    archive: Archive, tmp_path: Path
) -> None:
    service = service_over_one_story(archive, tmp_path, "Willis sues over movie 'injury'", WILLIS)
    answer = service.answer(
        "During the filming of which movie does Bruce Willis say he was hit by a firework?"
    )
    assert answer.answerable
    hit = next(c for c in answer.citations if "firework" in c.quote)
    assert "Tears of the Sun" in hit.quote  # "the 2002 movie" comes with the sentence naming it
    assert_well_cited(answer, archive)


@pytest.mark.slow
def test_each_follow_up_retrieves_for_its_own_meaning(bbc_archive: Archive) -> None:
    service = build_service(bbc_archive.settings, bbc_archive)
    history: list[Turn] = []
    answers = []
    for question in (
        "What did Gordon Brown say about the economy?",
        "And what did he say next?",
        "What did the Tories say about it?",
    ):
        answer = service.answer(question, history=history)
        assert answer.answerable, question
        assert_well_cited(answer, bbc_archive)
        answers.append(answer)
        history.append(Turn(question, answer.answer))
    first_quotes = [a.citations[0].quote for a in answers]
    assert len(set(first_quotes)) == 3
    # "he" is Brown: the next thing said is quoted from a story the first answer quoted
    assert any("Brown" in c.quote for c in answers[0].citations)
    assert answers[1].citations[0].article_id in {c.article_id for c in answers[0].citations}
    assert answers[1].citations[0].quote not in answers[0].answer  # something new from it
    assert "Tor" in answers[2].answer or "Conservative" in answers[2].answer


def _articles_read(passages: list[Passage], count: int = 3) -> list[str]:
    """The first `count` articles among the passages, in order (what the reader reads)."""
    return list(dict.fromkeys(p.chunk.article_id for p in passages))[:count]


@pytest.mark.slow
def test_a_follow_up_naming_its_own_subject_reads_the_story_it_follows(
    bbc_archive: Archive,
) -> None:
    """eval/drafts/part60-followups.jsonl: "the band" is Busted, of entertainment/105; asked
    alone, the question's words find other Brits stories. The question's own best article
    stays first, so a question that changes the subject still reads its own."""
    service = build_service(bbc_archive.settings, bbc_archive)
    history = [
        Turn("Are the pop band Busted splitting up?", "Yes."),
        Turn("So what is their frontman going to do in the meantime?", "Go solo."),
    ]
    question = "What did the band win at the 2004 Brits?"
    alone, _ = service.passages(question)
    followed, read_as = service.passages(question, history=history)
    assert read_as == question
    assert "entertainment/105.txt" not in _articles_read(alone)
    assert "entertainment/105.txt" in _articles_read(followed)
    assert _articles_read(followed)[0] == _articles_read(alone)[0]
