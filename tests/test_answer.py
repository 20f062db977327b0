"""The answering service over the real seeds index: answers, declines, streaming, lookups."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

from bot.answer import AnswerService
from bot.composers import NOTHING_FOUND, extractive
from bot.composers.extractive import ExtractiveComposer
from bot.container import Archive, build_service
from bot.errors import BadQuestion, ModeUnavailable, NewsbotError
from bot.models import Answer, Turn
from bot.reading.question import PreparedQuestions
from bot.reading.ranker import evidence
from index.embedding import TextEmbedder
from index.search.retrieval import SearchFilters
from tests.answer_checks import assert_well_cited

T = TypeVar("T")
TALKS = "003_8e9a2609f1a46fa1.txt"
TALKS_QUESTION = "On which date will negotiations between the US and Russia on Ukraine take place?"
COALITION = "002_c5ccbac007a06862.txt"
OVERVIEW = "000_0a6262d6a783289d.txt"


@pytest.fixture(scope="module")
def service(seeds_archive: Archive) -> Iterator[AnswerService]:
    """The service over the shared seeds archive (not closed here: the archive outlives it)."""
    yield build_service(seeds_archive.settings, seeds_archive)


def test_answers_with_the_exact_passage(service: AnswerService, seeds_archive: Archive) -> None:
    answer = service.answer(TALKS_QUESTION)
    assert answer.answerable
    assert "February 18" in answer.answer
    assert answer.citations[0].article_id == TALKS
    assert_well_cited(answer, seeds_archive)
    assert set(answer.timings_ms) >= {"retrieve", "compose", "total"}
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"]


def test_a_why_answer_takes_the_sentence_that_continues_its_quote(
    service: AnswerService, seeds_archive: Archive
) -> None:
    """The reason is in the next sentence, which leans on the one most like the question
    ("Another path could involve … peacekeepers …", "This would help to prevent …")."""
    answer = service.answer("Why would sending international peacekeepers help?")
    assert answer.answerable
    first = answer.citations[0]
    assert "peacekeepers" in first.quote and "prevent further escalation" in first.quote
    assert_well_cited(answer, seeds_archive)
    # a fact is quoted without the sentence after it
    fact = service.answer("Who is the Hungarian foreign minister?")
    assert fact.citations[0].quote.rstrip().endswith("consequences of the war.")


class RecordingPool(ThreadPoolExecutor):
    """A one-worker pool that remembers which questions it was given to parse."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.questions: list[str] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.questions.append(args[0])
        return super().submit(fn, *args, **kwargs)


@pytest.mark.parametrize(
    "question",
    [
        "Where will the negotiations with Lavrov take place?",
        # the seeds have no dates: the dated search finds nothing, the question is read whole
        "Where will the negotiations with Lavrov take place in February 2025?",
    ],
)
def test_the_question_parsed_during_retrieval_is_the_one_read(
    service: AnswerService, question: str
) -> None:
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    shipped, pool = composer.questions, RecordingPool()
    composer.questions = prepared = PreparedQuestions(pool)
    try:
        answer = service.answer(question)
    finally:
        composer.questions = shipped
        pool.shutdown()
    assert answer.answerable
    assert pool.questions == [question]  # prepared before retrieval …
    assert len(prepared) == 0  # … and read


def test_a_question_typed_casually_is_read_as_written_properly(
    service: AnswerService, seeds_archive: Archive
) -> None:
    """No capitals, no question mark, a misspelt name, an indirect opening: each is answered
    as the question written properly is."""
    typed = "who is the hungarian foreign minister"
    _, read = service.passages(typed)
    assert read == "Who is the hungarian foreign minister?"
    casual, proper = service.answer(typed), service.answer("Who is the Hungarian foreign minister?")
    assert casual.short_answer is not None and casual.short_answer.text == "Peter Szijjarto"
    # the same lead and best quote (a runner-up quoted at a tenth of the best's chance may differ)
    assert casual.short_answer == proper.short_answer
    assert casual.citations[0].id == proper.citations[0].id
    assert_well_cited(casual, seeds_archive)
    # a misspelt name is read as the articles spell it, and searched again so
    _, mended = service.passages("Where will the negotiations with Lavorv take place?")
    assert mended == "Where will the negotiations with Lavrov take place?"
    misspelt = service.answer("Who is the Hungarain Foreign Minister?")
    assert misspelt.answerable and misspelt.short_answer == proper.short_answer
    assert misspelt.citations[0].id == proper.citations[0].id
    # asked indirectly, it is no yes/no question: the person is asked for
    indirect = service.answer("Do you know who the Hungarian foreign minister is?")
    assert indirect.answer_type == "person"
    assert indirect.short_answer is not None and indirect.short_answer.text == "Peter Szijjarto"


def test_a_why_question_is_held_to_the_statements_threshold(
    service: AnswerService, seeds_archive: Archive
) -> None:
    """Its reason is shared by two sentences and no one of them is as likely as a fact's
    sentence: answered below the facts' threshold, above the statements'. The same question
    as a follow-up, read through its conversation, is held to the facts' threshold."""
    question = (
        "Why are European countries that border Ukraine pushing for a quick end to the conflict?"
    )
    answer = service.answer(question)
    assert answer.answerable and "refugee crises" in answer.answer
    assert_well_cited(answer, seeds_archive)
    said = evidence(c.score for c in answer.citations)
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    assert composer.statement_min_score <= said < composer.min_score
    earlier = Turn("Who is Russia's foreign minister?", "Sergey Lavrov [1].")
    assert not service.answer(question, history=[earlier]).answerable


def test_a_misspelt_name_is_asked_again_with_the_date_it_names(
    archive: Archive, tmp_path: Path
) -> None:
    """Mended, the question is asked again from the start: "in January 2005" still filters."""
    feed = tmp_path / "docks.jsonl"
    records = [
        {"id": "jan", "title": "Dock strike ends", "published": "2005-01-10",
         "text": "Dock workers at Felixstowe returned to work on Friday after a two-week "
                 "strike over pay. The union said the deal was fair."},
        {"id": "jun", "title": "Docks expand", "published": "2005-06-10",
         "text": "Felixstowe is to build two new berths for the largest container ships. "
                 "The port said the work would take three years."},
    ]  # fmt: skip
    feed.write_text("\n".join(json.dumps(r) for r in records))
    archive.ingestor.ingest_paths([feed])
    service = build_service(archive.settings, archive)
    passages, read = service.passages("What happened at Felixtowe in January 2005?")
    assert read == "What happened at Felixstowe?"  # mended, the date a filter again
    assert {p.chunk.article_id for p in passages} == {"jan"}


def test_prefers_a_short_direct_answer(service: AnswerService) -> None:
    answer = service.answer("Where did European leaders meet to coordinate their stance?")
    assert "Paris" in answer.answer
    assert 1 <= len(answer.citations) <= 3


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "How do I make a traditional Italian risotto?"],
)
def test_declines_what_the_archive_does_not_hold(service: AnswerService, question: str) -> None:
    answer = service.answer(question)
    assert not answer.answerable
    assert answer.citations == []
    assert answer.answer.startswith(NOTHING_FOUND)
    assert "[1]" not in answer.answer


def test_decline_names_the_nearest_articles(service: AnswerService) -> None:
    answer = service.answer("Who won the 2022 FIFA World Cup?")
    assert not answer.answerable
    assert "Russia" in answer.answer  # a seed headline, offered as the nearest article


def test_filters_that_exclude_everything_decline_and_say_so(service: AnswerService) -> None:
    answer = service.answer(
        "When will the US and Russia hold their talks on Ukraine?",
        filters=SearchFilters(sources=("sport",), published_after=date(2005, 1, 1)),
    )
    assert not answer.answerable and answer.citations == []
    assert answer.answer == "No articles match source=sport after 2005-01-01."


def test_an_empty_archive_says_how_to_fill_it(archive: Archive) -> None:
    answer = build_service(archive.settings, archive).answer("Who won?")
    assert not answer.answerable
    assert "empty" in answer.answer and "newsbot ingest" in answer.answer


def test_follow_up_uses_the_conversation(service: AnswerService) -> None:
    history = [Turn("Who is the Hungarian foreign minister?", "Peter Szijjarto [1].")]
    follow_up = service.answer("What did he stress?", history=history)
    assert follow_up.answerable
    assert "end the war" in follow_up.answer and follow_up.citations[0].article_id == TALKS


def test_a_follow_up_favours_the_story_the_previous_answer_quoted(
    service: AnswerService, seeds_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked alone, the question is answered from another seed; after an answer that quoted
    the peace-talks overview, it is answered from that one, which says it too. The same
    conversation without the priors (the previous answer's words are still searched) is
    answered from the other seed: the priors, not the search, make the difference."""
    asked = (
        "Which alliance does Russia want assurances will not push further east, while Ukraine"
        " seeks closer security ties with the West?"
    )
    alone = service.answer(asked)
    assert alone.answerable and alone.citations[0].article_id != OVERVIEW
    quoted = service.answer("What does Ukraine seek about its sovereignty and NATO membership?")
    assert quoted.citations[0].article_id == OVERVIEW
    history = [Turn("Ukraine's demands?", quoted.answer)]
    follow_up = service.answer(asked, history=history)
    assert follow_up.answerable and follow_up.citations[0].article_id == OVERVIEW
    assert "NATO" in follow_up.answer
    assert_well_cited(follow_up, seeds_archive)
    monkeypatch.setattr(extractive, "FOLLOW_UP_RANK_PRIOR", 0.0)
    monkeypatch.setattr(extractive, "FOLLOW_UP_EVIDENCE_PRIOR", 0.0)
    unfavoured = service.answer(asked, history=history)
    assert unfavoured.citations and unfavoured.citations[0].article_id != OVERVIEW


def test_an_answer_marks_the_articles_it_quotes(service: AnswerService) -> None:
    """As the answer shows them: a marker before the final stop, the article's own bracketed
    numbers as "(2)", a short answer leading; a sentence of under five words never counts
    (it may sit inside another article's quote)."""
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    passages, read_as = service.passages(TALKS_QUESTION)
    sentences = composer.read(read_as, passages).sentences
    long = next(s for s in sentences if len(s.text.split()) >= 8 and s.article_id == TALKS)
    shown = "**February 18**: " + extractive.with_marker(long.text, 1)
    assert extractive.quoted_articles(sentences, shown) == {TALKS}
    assert extractive.quoted_articles(sentences, "Nothing quoted [1].") == set()
    bracketed = replace(long, text=long.text.rstrip(".") + " [2].")
    assert extractive.quoted_articles([bracketed], extractive.with_marker(bracketed.text, 1))
    short = replace(long, text="He said so.")
    assert not extractive.quoted_articles([short], f"Then {short.text[:-1]} at length [1].")


def test_favouring_articles_ranks_by_one_prior_and_trusts_by_another(
    service: AnswerService,
) -> None:
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    passages, read_as = service.passages(TALKS_QUESTION)
    reading = composer.read(read_as, passages)
    favoured = reading.favouring({COALITION}, 3.0, 1.0)
    inside = np.array([s.article_id == COALITION for s in reading.sentences])
    assert inside.any() and (~inside).any()
    assert np.all(favoured.scores[inside] > reading.scores[inside])
    assert np.array_equal(favoured.scores[~inside], reading.scores[~inside])
    trust = favoured.trusted
    assert np.all(trust[inside] > reading.scores[inside])
    assert np.all(trust[inside] < favoured.scores[inside])
    assert np.array_equal(trust[~inside], reading.scores[~inside])
    assert reading.favouring({"no such article"}, 3.0, 1.0) is reading
    # the choice ranks by the ranking prior, the quote is weighed (declined, cited) by trust
    talks = reading.favouring({TALKS}, 3.0, 1.0)
    quotes = composer.choose(talks)
    best = talks.ranked()[0]
    assert quotes[0].sentence is reading.sentences[best]
    assert reading.sentences[best].article_id == TALKS
    assert quotes[0].score == pytest.approx(talks.trusted[best])
    assert quotes[0].score < talks.scores[best]


def test_follow_up_with_ellipsis(service: AnswerService, seeds_archive: Archive) -> None:
    history = [Turn("When will the US-Russia negotiations on Ukraine be held?", "18 Feb [1].")]
    answer = service.answer("Where will they take place?", history=history)
    assert "Saudi Arabia" in answer.answer
    assert_well_cited(answer, seeds_archive)


def test_a_question_announcing_a_new_subject_leaves_the_conversation(
    service: AnswerService,
) -> None:
    history = [Turn("Who is the Hungarian foreign minister?", "Peter Szijjarto [1].")]
    asked = "How much aid has the United States committed to Ukraine?"
    alone, read_alone = service.passages(asked)
    switched, read_as = service.passages("Different topic: h" + asked[1:], history=history)
    assert read_as == read_alone == asked  # no announcement, no earlier words
    assert [p.chunk.id for p in switched] == [p.chunk.id for p in alone]
    # a follow-up after it follows the new subject alone
    history.append(Turn("Different topic: when will the US-Russia talks be held?", "18 Feb [1]."))
    _, follow_up = service.passages("Where will they take place?", history=history)
    assert "talks" in follow_up and "Russia" in follow_up
    assert "Hungarian" not in follow_up and "Different" not in follow_up
    # a first question is asked as it is typed: there is no conversation to leave
    _, first = service.passages("Different topic: h" + asked[1:])
    assert first == "Different topic: h" + asked[1:]


def test_stream_yields_text_then_one_answer(service: AnswerService) -> None:
    pieces = list(service.stream("How much aid has the United States committed to Ukraine?"))
    texts = [p for p in pieces if isinstance(p, str)]
    answers = [p for p in pieces if isinstance(p, Answer)]
    assert len(answers) == 1 and pieces[-1] is answers[0]
    assert texts and "".join(texts) == answers[0].answer
    assert "76.8 billion" in answers[0].answer
    assert answers[0].timings_ms["total"] > 0


def test_stream_of_a_decline(service: AnswerService) -> None:
    pieces = list(service.stream("What is the capital of Australia?"))
    assert isinstance(pieces[-1], Answer) and not pieces[-1].answerable
    assert "".join(p for p in pieces if isinstance(p, str)) == pieces[-1].answer


def test_unknown_or_unconfigured_mode(service: AnswerService) -> None:
    assert service.modes == ["extractive"]
    with pytest.raises(ModeUnavailable, match="llm"):
        service.answer("Who is Russia's foreign minister?", mode="llm")
    with pytest.raises(ModeUnavailable) as raised:
        service.stream("Who is Russia's foreign minister?", mode="poetry")  # raises on the call
    assert isinstance(raised.value, NewsbotError) and "extractive" in str(raised.value)
    assert service.answer("Who is Russia's foreign minister?", mode="extractive").answerable


def test_citation_context(service: AnswerService, seeds_archive: Archive) -> None:
    answer = service.answer("Who is the Hungarian foreign minister?")
    cited = answer.citations[0]
    context = service.citation(cited.id, context_chars=120)
    assert context is not None
    article = seeds_archive.catalog.article(context.article_id)
    assert article is not None
    assert context.id == cited.id and context.article_id == cited.article_id == TALKS
    assert article.text[context.start : context.end] == context.quote
    assert cited.quote in context.quote  # the cited sentence lies in the cited chunk
    assert context.before == article.text[max(0, context.start - 120) : context.start]
    assert context.after == article.text[context.end : context.end + 120]
    assert len(context.before) == 120 or context.start < 120
    assert context.title == article.title and context.as_dict()["quote"] == context.quote
    assert service.citation("no-such-chunk:0-1") is None


def test_article_search_and_stats(service: AnswerService) -> None:
    article = service.article(COALITION)
    assert article is not None and "Keir Starmer" in article.text
    assert service.article("nope.txt") is None
    passages = service.search("Lavrov and Rubio in Saudi Arabia", top_k=2)
    assert passages[0].chunk.article_id == TALKS and len(passages) == 2
    stats = service.stats()
    assert stats["articles"] == 4 and stats["answer_modes"] == ["extractive"]
    assert stats["default_mode"] == "extractive"


def test_empty_question_is_a_clear_error(service: AnswerService) -> None:
    with pytest.raises(BadQuestion, match="empty"):
        service.answer("   ")


def test_condenser_can_be_replaced(service: AnswerService) -> None:
    """The LLM condense path plugs in here; the service asks it for the standalone question."""
    asked: list[tuple[str, int]] = []

    def condense(question: str, history: list[Turn]) -> str:
        asked.append((question, len(history)))
        return "Who is Hungary's foreign minister?"

    custom = AnswerService(service.retriever, service.catalog, service.composers, condense=condense)
    answer = custom.answer("And theirs?", history=[Turn("Who is Russia's?", "Lavrov [1].")])
    assert asked == [("And theirs?", 1)]
    assert "Szijjarto" in answer.answer


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner, self.name, self.texts = inner, inner.name, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_reading_whole_articles_needs_only_the_question_embedded(seeds_archive: Archive) -> None:
    passages = seeds_archive.retriever.search(TALKS_QUESTION, top_k=16, per_article=4)
    counting = CountingEmbedder(seeds_archive.embedder)
    composer = ExtractiveComposer(counting, store=seeds_archive.catalog)
    reading = composer.read(TALKS_QUESTION, passages)
    assert counting.texts == 1  # every sentence's vector was stored at ingest
    read_articles = {s.article_id for s in reading.sentences}
    assert TALKS in read_articles and len(read_articles) == 3
    answer = composer.compose(TALKS_QUESTION, passages)
    assert "February 18" in answer.answer and answer.citations[0].article_id == TALKS
    assert_well_cited(answer, seeds_archive)


def test_without_a_catalog_the_passages_alone_are_read_and_embedded(
    seeds_archive: Archive,
) -> None:
    question = "Where did European leaders meet to coordinate their stance?"
    passages = seeds_archive.retriever.search(question, top_k=16, per_article=4)
    counting = CountingEmbedder(seeds_archive.embedder)
    composer = ExtractiveComposer(counting)
    reading = composer.read(question, passages)
    passage_text = " ".join(p.chunk.text for p in passages)
    assert all(s.text in passage_text for s in reading.sentences)
    # each sentence's vector and word pieces come from one run of the answer model
    assert all(s.vector is not None and s.words is not None for s in reading.sentences)
    assert counting.texts == 1  # the question: the sentences were not embedded twice
    assert "Paris" in composer.compose(question, passages).answer


def test_a_short_answer_leads_and_points_into_its_quote(
    service: AnswerService, seeds_archive: Archive
) -> None:
    answer = service.answer("Where will the negotiations on February 18 take place?")
    assert answer.short_answer is not None and answer.answer_type == "place"
    assert answer.short_answer.text == "Saudi Arabia"
    assert answer.answer.startswith("Saudi Arabia: ")
    assert_well_cited(answer, seeds_archive)


def test_a_short_answer_still_leads_when_far_weaker_runners_up_are_quoted(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    monkeypatch.setattr(composer, "runner_up_share", 0.001)
    question = "Where will the negotiations on February 18 take place?"
    answer = service.answer(question)
    assert len(answer.citations) > 1  # weak runners-up are quoted as well
    assert answer.short_answer is not None and answer.short_answer.text == "Saudi Arabia"
    assert answer.answer.startswith("Saudi Arabia: ")
    # the best sentence no longer stands out when any runner-up counts as close
    monkeypatch.setattr(composer, "short_answer_share", 0.0)
    assert service.answer(question).short_answer is None


def test_non_reporting_blocks_are_never_quoted(service: AnswerService) -> None:
    for question in ("Who wrote the article on the peace talks?", "What are security guarantees?"):
        for citation in service.answer(question).citations:
            assert "views" not in citation.quote and not citation.quote.startswith("- What")
