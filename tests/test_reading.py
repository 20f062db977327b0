"""Reading for the answer, part by part, with the real spaCy model: what a question asks, the
entities found at ingest, the short answer, the blocks that are not reporting, markers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from bot.composers.extractive import ExtractiveComposer, Reading, with_marker
from bot.reading.features import FEATURES, describe, names_nowhere
from bot.reading.question import AnswerType, PreparedQuestions, analyse
from bot.reading.ranker import SentenceRanker
from bot.reading.sentences import ReadSentence
from bot.reading.short_answer import short_answer
from index.boilerplate import non_reporting_spans
from index.catalog import StoredChunk
from index.embedding import OnnxMiniLM
from index.entities import EntityTagger
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who directed Kisna - the Warrior Poet?", AnswerType.PERSON),
        ("Which anti-spyware firm did Microsoft take over?", AnswerType.ORGANISATION),
        ("Which website was at the centre of the identity fraud arrests?", AnswerType.ORGANISATION),
        ("Where will the talks take place?", AnswerType.PLACE),
        ("In which country will the negotiations be held?", AnswerType.PLACE),
        ("When will the US and Russia hold their talks?", AnswerType.DATE),
        ("What year did the company float?", AnswerType.DATE),
        ("How much did Glazer pay for Manchester United?", AnswerType.MONEY),
        ("How many subscribers did AOL lose?", AnswerType.NUMBER),
        ("Which film did Bruce Willis make for the firm?", AnswerType.WORK),
        ("Why did the appeals court reject the case?", AnswerType.REASON),
        ("Did Ukraine attend the talks?", AnswerType.YESNO),
        ("What happened at the summit?", AnswerType.WHAT),
    ],
)
def test_what_a_question_asks_for(question: str, expected: AnswerType) -> None:
    assert analyse(question).answer_type is expected


def test_question_terms_names_and_numbers() -> None:
    asked = analyse("Who won the 200m at the Leipzig meeting in 2005?")
    assert "leipzig" in asked.names and "2005" in asked.numbers
    assert {"leipzig", "meet"} <= asked.terms
    assert "won" in asked.verbs
    assert "us" in analyse("What did the US say?").names  # capitals are not the stopword "us"


@pytest.mark.parametrize(
    ("question", "asks_outcome"),
    [
        ("Did the takeover bid eventually succeed?", True),
        ("Who ended up buying the club?", True),
        ("Which firm went on to win the contract?", True),
        ("Who won the tie in the end?", True),
        ("Who won the final?", False),
        ("What happened at the end of the match?", False),
        ("Who went to the launch?", False),
    ],
)
def test_a_question_asking_how_a_story_ended_is_known(question: str, asks_outcome: bool) -> None:
    assert analyse(question).asks_outcome is asks_outcome
    rows = describe(analyse(question), np.zeros(384, dtype=np.float32), [_sentence("It did.")])
    assert rows[0, FEATURES.index("asks_outcome")] == float(asks_outcome)


def test_a_question_prepared_ahead_is_read_as_analysed() -> None:
    prepared = PreparedQuestions()
    prepared.prepare("Which anti-spyware firm did Microsoft take over?")
    assert len(prepared) == 1
    asked = prepared.get("Which anti-spyware firm did Microsoft take over?")
    assert asked == analyse("Which anti-spyware firm did Microsoft take over?")
    assert asked.answer_type is AnswerType.ORGANISATION and len(prepared) == 0
    assert prepared.get("Where will the talks take place?").answer_type is AnswerType.PLACE
    prepared.close()  # the service closing: a question prepared after it is parsed when read
    prepared.prepare("Who directed Kisna - the Warrior Poet?")
    assert prepared.get("Who directed Kisna - the Warrior Poet?").answer_type is AnswerType.PERSON


def test_a_prepared_question_never_waits_behind_another() -> None:
    """With the worker busy (another request's parse), asking for a queued question parses it
    at once instead of waiting."""
    busy = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = PreparedQuestions(pool)
        other = pool.submit(busy.wait, 30)
        prepared.prepare("Who directed Kisna - the Warrior Poet?")
        asked = prepared.get("Who directed Kisna - the Warrior Poet?")
        assert not other.done()  # waiting for the queued parse would have outlasted it
        assert asked.answer_type is AnswerType.PERSON
        busy.set()


def test_questions_prepared_but_never_read_are_not_kept_forever() -> None:
    prepared = PreparedQuestions()
    for n in range(PreparedQuestions.KEPT + 20):
        prepared.prepare(f"Who won the {n}th race?")
    assert len(prepared) == PreparedQuestions.KEPT


def test_ingest_entities_name_what_the_issue_names() -> None:
    text = (
        "Microsoft has bought Giant Company Software. The film is directed by Bollywood "
        "veteran Subhash Ghai. Police shut down Shadowcrew.com on 28 October."
    )
    found = {text[e.start : e.end]: e.label for e in EntityTagger().tag([text])[0]}
    assert found["Giant Company Software"] == "ORG"
    assert found["Subhash Ghai"] == "PERSON"
    assert found["28 October"] == "DATE"


def _sentence(text: str, title: str = "A headline") -> ReadSentence:
    chunk = StoredChunk("c:0-1", "a", 0, 0, len(text), text, title, "", "", "")
    entities = tuple(EntityTagger().tag([text])[0])
    return ReadSentence("a", 0, 1.0, chunk, 0, 1, 0, len(text), text, entities)


def test_short_answer_is_a_new_entity_of_the_asked_type() -> None:
    question = analyse("Which anti-spyware firm did Microsoft take over?")
    sentence = _sentence("Microsoft bought Giant Company Software, a New York firm, in December.")
    span = short_answer(question, sentence)
    assert span is not None and span.text == "Giant Company Software"
    assert sentence.text[span.start : span.end] == span.text
    # the question's own names never answer it
    assert short_answer(question, _sentence("Microsoft said it was pleased.")) is None
    assert short_answer(analyse("Why did Microsoft buy it?"), sentence) is None


def test_articles_that_never_name_what_is_asked_cannot_answer_it() -> None:
    capitals = _sentence("Messages keep coming from various capitals, the minister said.")
    assert names_nowhere(analyse("What is the capital of Australia?"), [capitals])
    hungarian = _sentence("Hungarian Foreign Minister Peter Szijjarto spoke first.")
    assert not names_nowhere(analyse("Who is Hungary's foreign minister?"), [hungarian])
    assert not names_nowhere(analyse("Who spoke first?"), [capitals])  # names nothing


def test_a_name_with_a_dot_or_digit_is_found_as_articles_spell_it() -> None:
    """spaCy keeps "Paypal.com" and "ITV1" whole; an article's terms split them."""
    question = analyse("With which company was a fake Paypal.com domain registered?")
    assert question.names == {"paypal", "com"}
    found = _sentence("A fake Paypal.com has been registered with domain giant Verisign.")
    assert not names_nowhere(question, [found])
    assert "itv" in analyse("Who chaired the panel on ITV1's contest?").names


def test_a_name_inside_a_longer_word_is_not_missing_from_the_sentence() -> None:
    # the features agree with names_nowhere: "Hungary" is named in "Hungarian"
    question = analyse("Who is Hungary's foreign minister?")
    hungarian = _sentence("Hungarian Foreign Minister Peter Szijjarto spoke first.")
    other = replace(_sentence("The Polish foreign minister spoke first."), article_id="b")
    rows = describe(question, np.zeros(384, dtype=np.float32), [hungarian, other])
    for feature in ("names_missing_sentence", "names_missing_article"):
        assert rows[:, FEATURES.index(feature)].tolist() == [0.0, 1.0]


def test_a_short_answer_is_the_whole_score_or_vote() -> None:
    # spaCy tags the "2" of "2-1" alone
    question = analyse("By what vote did the appeals court reject the tobacco case?")
    sentence = _sentence("A three-judge appeal court panel rejected the claim in a 2-1 decision.")
    span = short_answer(question, sentence)
    assert span is not None and span.text == "2-1"
    assert sentence.text[span.start : span.end] == "2-1"


def test_a_short_answer_never_cuts_a_word() -> None:
    # spaCy tags "£550" in "£550m": a short answer of "£550" would misstate the sum
    question = analyse("How much could be returned to the public sector from the Dome deal?")
    sentence = _sentence("More than £550m could be returned to the public sector, the deal says.")
    span = short_answer(question, sentence)
    assert span is not None and span.text.endswith("£550m")
    assert sentence.text[span.start : span.end] == span.text


def test_a_sentence_that_supplies_the_answer_is_described_so() -> None:
    question = analyse("Who directed Kisna - the Warrior Poet?")
    answers = _sentence("The film is directed by Bollywood veteran Subhash Ghai.")
    restates = _sentence("Kisna - the Warrior Poet opens in cinemas across India this week.")
    rows = describe(question, np.zeros(384, dtype=np.float32), [answers, restates])
    supplies = FEATURES.index("supplies")
    assert rows[0, supplies] == 1.0 and rows[1, supplies] == 0.0
    assert rows.shape == (2, len(FEATURES))


def test_the_ranker_refuses_features_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="unknown reader features: nonsense"):
        SentenceRanker({"nonsense": 1.0})
    probabilities = SentenceRanker().probabilities(np.zeros((3, len(FEATURES)), np.float32))
    assert probabilities.shape == (3,) and np.all((probabilities > 0) & (probabilities < 1))


def test_tables_of_contents_faqs_and_bylines_are_not_reporting() -> None:
    text = (SEEDS / "002_c5ccbac007a06862.txt").read_text(encoding="utf-8")
    spans = non_reporting_spans(text)
    blocks = [text[s:e] for s, e in spans]
    assert any(b.startswith("Table of Contents") and "- 14." in b for b in blocks)
    faq = next(b for b in blocks if b.startswith("Frequently Asked Questions"))
    assert "What are security guarantees for Ukraine?" in faq
    assert not any("coalition of the willing" in b.lower() for b in blocks[:1])
    byline = (SEEDS / "001_bbca088b89569488.txt").read_text(encoding="utf-8")
    assert [byline[s:e] for s, e in non_reporting_spans(byline)] == ["by Jhon Lennon 43 views"]
    plain = "Mr Brown said growth would rise.\n\nHe said: 'What do you think?'"
    assert non_reporting_spans(plain) == []


def test_an_articles_own_bracketed_numbers_cannot_pass_for_citations() -> None:
    assert (
        with_marker("The pier was built in 1905 [2].", 1) == "The pier was built in 1905 (2) [1]."
    )
    assert with_marker("Growth slowed", 3) == "Growth slowed [3]"


def test_a_sentence_copied_into_another_article_is_quoted_once() -> None:
    """A story reprinted under another id reads its sentences in other contexts, so their
    vectors differ; the answer still quotes the sentence once."""
    text = "Mr Ebbers could face a sentence of 85 years if convicted of all the charges."
    first, second = _sentence(text), _sentence(text)
    rng = np.random.default_rng(0)
    for sentence in (first, second):  # vectors as apart as two contexts can make them
        vector = rng.standard_normal(384).astype(np.float32)
        object.__setattr__(sentence, "vector", vector / np.linalg.norm(vector))
    object.__setattr__(second, "article_id", "b")
    question = analyse("What sentence could Bernie Ebbers face?")
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    reading = Reading(question, [first, second], rows, np.array([0.9, 0.85]))
    quotes = ExtractiveComposer(OnnxMiniLM(threads=1)).choose(reading)
    assert [q.text for q in quotes] == [text]


def _article(*texts: str, chunk_ends: tuple[int, ...] = ()) -> list[ReadSentence]:
    """Sentences of one article, one space apart, each linked to the one before it; the
    article is one chunk, or is cut into chunks after the sentences numbered in `chunk_ends`."""
    text = " ".join(texts)
    starts = [sum(len(t) + 1 for t in texts[:n]) for n in range(len(texts))]
    cuts = [0, *(starts[n + 1] for n in chunk_ends), len(text)]
    chunks = [
        StoredChunk(f"c:{n}", "a", n, a, b, text[a:b], "A headline", "", "", "")
        for n, (a, b) in enumerate(pairwise(cuts))
    ]
    read: list[ReadSentence] = []
    for n, (start, own) in enumerate(zip(starts, texts, strict=True)):
        chunk = next(c for c in chunks if c.start <= start < c.end)
        previous = read[-1] if read else None
        read.append(
            ReadSentence("a", 0, 1.0, chunk, n, len(texts), start, start + len(own), own, (),
                         previous=previous)
        )  # fmt: skip
    return read


def test_a_statement_is_quoted_with_the_sentence_that_continues_it() -> None:
    """ "This would help …" leans on the sentence before it: a why-question's quote takes it
    too; a question for a fact does not, and neither does a quote that no chunk holds whole."""
    path = "Another path could involve peacekeepers in contested areas."
    reason = "This would help to prevent further escalation between the forces."
    composer = ExtractiveComposer(OnnxMiniLM(threads=1))
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    scores = np.array([0.9, 0.05])  # the first is the best; the second is not a runner-up

    def quoted(question: str, article: list[ReadSentence]) -> list[str]:
        reading = Reading(analyse(question), article, rows, scores)
        return [q.text for q in composer.choose(reading)]

    assert quoted("Why would peacekeepers help?", _article(path, reason)) == [f"{path} {reason}"]
    assert quoted("Who could be sent to contested areas?", _article(path, reason)) == [path]
    apart = _article(path, reason, chunk_ends=(0,))
    assert quoted("Why would peacekeepers help?", apart) == [path]
    unrelated = "European leaders met in Paris."
    assert quoted("Why would peacekeepers help?", _article(path, unrelated)) == [path]
    # a runner-up whose own quote would reach back into the best one is quoted alone
    more = "It would also give diplomats more time to talk."
    rows3 = np.zeros((3, len(FEATURES)), dtype=np.float32)
    reading = Reading(
        analyse("Why would peacekeepers help?"), _article(path, reason, more), rows3,
        np.array([0.9, 0.1, 0.5]),
    )  # fmt: skip
    assert [q.text for q in composer.choose(reading)] == [f"{path} {reason}", more]
