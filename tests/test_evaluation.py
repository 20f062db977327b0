"""The evaluation arithmetic (pure: hand-made answers, no index)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.evaluation import (
    EvalFileError,
    LabelledQuestion,
    calibrate,
    calibrate_by_kind,
    judge,
    load_questions,
    percentile,
    replayed,
    summarise,
)
from bot.models import Answer, Citation, Turn
from bot.reading.ranker import evidence


def cite(n: int, article_id: str, quote: str, score: float = 0.7) -> Citation:
    return Citation(n, f"h:{n}", article_id, "T", "s", "", None, quote, 0, len(quote), score)


ASK_DATE = LabelledQuestion("When?", True, ("18 February",), ("a.txt",))
ASK_NOTHING = LabelledQuestion("Capital of Mars?", False)


def test_right_needs_the_words_and_the_article() -> None:
    right = Answer("Talks on 18 February [1].", True, [cite(1, "a.txt", "on 18 February")])
    wrong_article = Answer("Talks on 18 February [1].", True, [cite(1, "b.txt", "18 February")])
    wrong_words = Answer("Talks soon [1].", True, [cite(1, "a.txt", "soon")])
    declined = Answer("The archive has nothing on that.", False)
    assert judge(ASK_DATE, right, 1).right
    assert not judge(ASK_DATE, wrong_article, 1).right
    assert not judge(ASK_DATE, wrong_words, 1).right
    assert not judge(ASK_DATE, declined, 1).right
    assert judge(ASK_NOTHING, declined, 1).right
    assert not judge(ASK_NOTHING, right, 1).right


def test_summary_numbers() -> None:
    outcomes = [
        judge(  # right; one supported citation (article), one supported by its quote only
            ASK_DATE,
            Answer(
                "soon [1], 18 February [2]",
                True,
                [cite(1, "a.txt", "soon"), cite(2, "c.txt", "18 February")],
            ),
            10,
        ),
        judge(ASK_DATE, Answer("nothing", False), 30),  # wrongly declined
        judge(ASK_NOTHING, Answer("Mars [1]", True, [cite(1, "a.txt", "Mars")], {}), 20),
        judge(ASK_NOTHING, Answer("nothing", False), 40),
    ]
    report = summarise(outcomes)
    assert (report.questions, report.answerable, report.unanswerable) == (4, 2, 2)
    assert report.answer_accuracy == 0.5
    assert report.unanswerable_declined == 0.5
    assert report.decline_accuracy == 0.5  # outcomes 1 and 4 match their label
    assert report.accuracy == 0.5
    assert report.citation_precision == round(2 / 3, 4)
    assert report.citation_recall == 0.5  # a.txt cited for one of two questions
    assert (report.latency_p50_ms, report.latency_p95_ms) == (20, 40)
    assert [f["q"] for f in report.failures] == ["When?", "Capital of Mars?"]


def test_calibration_finds_the_separating_threshold() -> None:
    def answered(question: LabelledQuestion, score: float, words: str) -> Answer:
        return Answer(f"{words} [1]", True, [cite(1, "a.txt", words, score)])

    outcomes = [
        judge(ASK_DATE, answered(ASK_DATE, 0.8, "18 February"), 1),
        judge(ASK_DATE, answered(ASK_DATE, 0.6, "18 February"), 1),
        judge(ASK_DATE, answered(ASK_DATE, 0.55, "wrong words"), 1),  # wrong anyway
        judge(ASK_NOTHING, answered(ASK_NOTHING, 0.4, "Mars"), 1),
        judge(ASK_NOTHING, answered(ASK_NOTHING, 0.3, "Mars"), 1),
    ]
    found = calibrate(outcomes)
    assert found.accuracy == 0.8 and found.questions == 5
    assert (found.low, found.high) == (0.4, 0.6) and 0.4 < found.threshold <= 0.6
    assert outcomes[0].evidence == 0.8
    assert judge(ASK_NOTHING, Answer("no", False), 1).evidence == -math.inf


def test_facts_and_statements_are_calibrated_apart() -> None:
    """Each kind gets the threshold that suits its own questions: a why answer at 0.1 is right
    and a date at 0.3 is not, which no one threshold for both would separate."""
    ask_why = LabelledQuestion("Why?", True, ("to end the war",), ("a.txt",))
    ask_why_not = LabelledQuestion("Why not?", False)

    def answered(question: LabelledQuestion, kind: str, score: float, words: str) -> Answer:
        return Answer(f"{words} [1]", True, [cite(1, "a.txt", words, score)], answer_type=kind)

    outcomes = [
        judge(ASK_DATE, answered(ASK_DATE, "date", 0.6, "18 February"), 1),
        judge(ASK_NOTHING, answered(ASK_NOTHING, "place", 0.3, "Mars"), 1),
        judge(ask_why, answered(ask_why, "reason", 0.1, "to end the war"), 1),
        judge(ask_why_not, answered(ask_why_not, "reason", 0.05, "because"), 1),
        judge(ASK_NOTHING, Answer("The archive has nothing on that.", False), 1),
    ]
    # a why follow-up is held to the facts' threshold; one announcing a new subject is not
    earlier = (Turn("When?", "18 February [1]."),)
    follow_up = replace(ask_why, q="Why, then?", history=earlier)
    fresh = replace(ask_why_not, q="Different topic: why not?", history=earlier)
    outcomes += [
        judge(follow_up, answered(follow_up, "reason", 0.7, "to end the war"), 1),
        judge(fresh, answered(fresh, "reason", 0.04, "because"), 1),
    ]
    found = calibrate_by_kind(outcomes)
    assert set(found) == {"facts", "statements"}
    facts, statements = found["facts"], found["statements"]
    assert facts.questions == 4 and statements.questions == 3
    assert facts.accuracy == 1.0 and 0.3 < facts.threshold <= 0.6
    assert statements.accuracy == 1.0
    assert 0.05 < statements.threshold <= 0.1
    assert calibrate(outcomes).accuracy < 1.0  # one threshold cannot do both
    only_facts = calibrate_by_kind(outcomes[:2])
    assert set(only_facts) == {"facts"}


def test_an_answers_evidence_is_that_one_of_its_quotes_answers() -> None:
    # two quotes at 0.5: the chance that neither answers is 0.25
    both = Answer("a [1] b [2]", True, [cite(1, "a.txt", "a", 0.5), cite(2, "b.txt", "b", 0.5)])
    assert judge(ASK_DATE, both, 1).evidence == pytest.approx(0.75)
    assert evidence([]) == 0.0 and evidence([0.3]) == pytest.approx(0.3)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) == 0
    assert percentile([5.0], 95) == 5.0
    assert percentile([float(v) for v in range(1, 21)], 95) == 19.0
    assert percentile([float(v) for v in range(1, 21)], 50) == 10.0


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {"q": "Who?", "answer_any": ["Ann"], "sources": ["a.txt"], "answerable": True},
        {"q": "And then?", "answer_any": ["Bo"], "sources": ["a.txt"],
         "history": [{"question": "Who?", "answer": "Ann [1]."}]},
        {"q": "Mars?", "answerable": False},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    questions = load_questions(path)
    assert [q.q for q in questions] == ["Who?", "And then?", "Mars?"]
    assert questions[1].history[0].question == "Who?" and questions[1].answerable
    assert not questions[2].answerable and questions[2].answer_any == ()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"q": "ok"}\n{oops\n', ":2:"),
        ('{"answer_any": []}\n', "'q'"),
        ('{"q": "  "}\n', "non-empty"),
        ('["q"]\n', "JSON object"),
        ("\n\n", "no questions"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(EvalFileError, match=message):
        load_questions(path)
    with pytest.raises(EvalFileError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")


def test_a_replayed_conversation_follows_what_the_bot_said() -> None:
    """Each earlier question is asked after the bot's own earlier answers, once a prefix."""
    asked: list[tuple[str, tuple[str, ...]]] = []

    def ask(question: str, history: list[Turn]) -> Answer:
        asked.append((question, tuple(t.answer for t in history)))
        return Answer(answer=f"said to {question}", answerable=True, citations=[])

    first, second = Turn("Who leads it?", "Ann [1]."), Turn("Since when?", "2004 [1].")
    questions = [
        LabelledQuestion("Since when?", True, ("2004",), ("a.txt",), history=(first,)),
        LabelledQuestion("Why?", True, ("growth",), ("a.txt",), history=(first, second)),
    ]
    out = replayed(questions, ask)
    assert [q.q for q in out] == ["Since when?", "Why?"]  # the follow-ups are not asked here
    assert out[1].history == (
        Turn("Who leads it?", "said to Who leads it?"),
        Turn("Since when?", "said to Since when?"),
    )
    assert out[0].history == out[1].history[:1]
    # "Who leads it?" asked once, with no history; "Since when?" after the bot's answer to it
    assert asked == [("Who leads it?", ()), ("Since when?", ("said to Who leads it?",))]
