"""The labelled sets against real indexes, the BBC ones against the whole corpus: floors the
reader meets on questions it was not fitted on, and properties every answer must have
(verbatim quotes, numbering, a short answer inside its quote).

The floors sit a little under the measured values (eval/README.md has the numbers), so a change
that makes answering worse fails here; latency is measured by `newsbot eval`, not asserted.
The BBC dev set (what the reader was fitted on) is not asserted: its figures flatter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.container import Archive, build_service
from bot.evaluation import (
    EvalReport,
    LabelledQuestion,
    Outcome,
    load_questions,
    reading_diagnosis,
    replayed,
    run,
    summarise,
    with_stored_ids,
)
from tests.answer_checks import assert_well_cited
from tests.conftest import ROOT

EVAL = ROOT / "eval"


def evaluate(archive: Archive, path: Path) -> tuple[list[Outcome], EvalReport]:
    service = build_service(archive.settings, archive)
    questions = [with_stored_ids(service, q) for q in load_questions(path)]
    outcomes = run(
        lambda q: service.answer(q.q, history=list(q.history)),
        questions,
        reading_diagnosis(service),
    )
    return outcomes, summarise(outcomes)


def check_properties(outcomes: list[Outcome], archive: Archive) -> None:
    for outcome in outcomes:
        assert_well_cited(outcome.answer, archive)


def test_label_files_have_what_the_issue_asks() -> None:
    dev, test = load_questions(EVAL / "bbc-dev.jsonl"), load_questions(EVAL / "bbc-test.jsonl")
    bbc = dev + test
    dev_sources = {s for q in dev for s in q.sources}
    assert len([q for q in bbc if q.answerable]) >= 300
    assert len([q for q in bbc if not q.answerable]) >= 60
    assert len(load_questions(EVAL / "seeds-test.jsonl")) >= 40
    later: list[LabelledQuestion] = []
    for name in ("bbc-test2.jsonl", "bbc-test3.jsonl"):
        written = load_questions(EVAL / name)
        assert len([q for q in written if not q.answerable]) >= 40, name
        later += written
    # about test articles: a dev article may be a source too (a follow-up story stating the
    # same fact), never the only one
    assert all(set(q.sources) - dev_sources for q in later if q.answerable)
    for q in bbc + later:
        assert q.answerable == bool(q.answer_any) == bool(q.sources), q.q
        assert q.answer_type, q.q
    # split by article: no article is a source on both sides
    assert not dev_sources & {s for q in test for s in q.sources}
    sections = {s.split("/")[0] for q in test for s in q.sources}
    assert sections == {"business", "entertainment", "politics", "sport", "tech"}


def test_seeds_sets(seeds_archive: Archive) -> None:
    outcomes, report = evaluate(seeds_archive, EVAL / "seeds-test.jsonl")
    check_properties(outcomes, seeds_archive)
    # measured 93.2 % right, 50.0 % declined, 12.5 % wrong with the cross-reader (session 22;
    # 93.2, 50.0 and 12.5 % by session 19's reader alone; 14.3 % wrong in session 16, with a
    # lower decline threshold for why / what / yes-no questions; 90.9, 66.7 and 10.7 % before)
    assert report.answer_accuracy >= 0.88, report.failures
    assert report.unanswerable_declined >= 0.33
    assert report.answered_wrongly <= 0.15
    _, older = evaluate(seeds_archive, EVAL / "seeds.jsonl")
    assert older.answer_accuracy >= 0.85, older.failures
    # written in session 16 by helpers who saw only the articles; measured 83.3 % overall with
    # the cross-reader (session 22; 81.2 % by session 19's reader alone, 80.2 % before, 68.8 %
    # with one decline threshold, which declined 14 of 29 why / what questions)
    _, dev = evaluate(seeds_archive, EVAL / "seeds-dev.jsonl")
    assert dev.accuracy >= 0.80, dev.failures


@pytest.mark.slow
def test_bbc_test_set_over_the_whole_corpus(bbc_archive: Archive) -> None:
    outcomes, report = evaluate(bbc_archive, EVAL / "bbc-test.jsonl")
    check_properties(outcomes, bbc_archive)
    # measured 88.0 % right, 60.5 % declined, 13.4 % wrong with the cross-reader (session 22;
    # 88.9, 52.3 and 16.6 % by session 19's reader alone; 87.7, 50.0 and 17.6 % in session 16)
    assert report.answer_accuracy >= 0.87, report.failures
    assert report.unanswerable_declined >= 0.57
    assert report.answered_wrongly <= 0.15
    assert report.causes.get("not retrieved", 0) <= 6
    assert set(report.by_type) >= {"person", "organisation", "place", "date", "money", "reason"}


# Held-out sets written after bbc-test, a new fact on 240 test articles each, by helpers who
# never saw the code: (file, floors on right, unanswerable declined, answered wrongly, overall).
# bbc-test2 (session 18), scored but never tuned on: measured 89.1 % right, 54.2 % declined,
# 11.7 % wrong, 82.1 % overall with the cross-reader (session 22; 90.6, 45.8, 13.8 and 81.7 %
# by session 19's reader alone; 87.0, 43.8, 16.7 and 78.3 % in session 18).
# bbc-test3 (session 20), often the third question asked of its article, scored before any
# choice was made on it: 83.9 %, 52.1 %, 16.7 %, 77.5 % with the cross-reader (83.9, 47.9,
# 18.8 and 76.7 % by session 19's reader alone). Floors about three questions below.
LATER_HELD_OUT = [
    ("bbc-test2.jsonl", 0.87, 0.47, 0.13, 0.80),
    ("bbc-test3.jsonl", 0.82, 0.45, 0.18, 0.76),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "right", "declined", "wrong", "overall"),
    LATER_HELD_OUT,
    ids=[name.removesuffix(".jsonl") for name, *_ in LATER_HELD_OUT],
)
def test_later_held_out_sets_over_the_whole_corpus(
    bbc_archive: Archive, name: str, right: float, declined: float, wrong: float, overall: float
) -> None:
    outcomes, report = evaluate(bbc_archive, EVAL / name)
    check_properties(outcomes, bbc_archive)
    assert report.questions == 240
    assert report.answer_accuracy >= right, report.failures
    assert report.unanswerable_declined >= declined
    assert report.answered_wrongly <= wrong
    assert report.accuracy >= overall


@pytest.mark.slow
def test_follow_ups_over_the_whole_corpus(bbc_archive: Archive) -> None:
    """Conversations as users meet them (eval/README.md, "Follow-up questions"): each
    follow-up asked after the service's own answers to its earlier questions. Measured
    71.4 % overall, 15.7 % wrong over the 210, the earlier questions read with the
    cross-reader and the follow-ups by the reader alone (session 22; 71.9 % and 17.2 % by the
    reader alone; 71.0 % and 18.1 % in session 17) with the story the
    previous answer quoted
    favoured (63.8 % and 19.0 % before; 61.4 % and 18.1 % before a question that
    announces a new subject started afresh; 60.0 % and 18.6 % before every follow-up was
    also searched with its conversation and the previous answer's words)."""
    service = build_service(bbc_archive.settings, bbc_archive)
    follow_ups = [EVAL / "drafts" / f"part{n}-followups.jsonl" for n in (60, 61, 62, 63)]
    questions = [with_stored_ids(service, q) for path in follow_ups for q in load_questions(path)]
    assert all(q.history for q in questions)
    asked = replayed(questions, lambda q, history: service.answer(q, history=history))
    assert [len(q.history) for q in asked] == [len(q.history) for q in questions]
    assert any(a.history != q.history for a, q in zip(asked, questions, strict=True))
    outcomes = run(
        lambda q: service.answer(q.q, history=list(q.history)), asked, reading_diagnosis(service)
    )
    check_properties(outcomes, bbc_archive)
    report = summarise(outcomes)
    assert report.questions == 210
    assert report.accuracy >= 0.69, report.failures
    assert report.answered_wrongly <= 0.18
    # held out: written in session 16 over bbc-test's articles, never tuned on; measured
    # 80.0 % overall, 13.3 % wrong over the 120 as above (session 22; 80.8 % and
    # 12.5 % by session 19's reader alone; 78.3 % and 14.2 % in session 17, 72.5 % and 15.0 %
    # before the story the previous answer quoted was favoured)
    held_out = [EVAL / "drafts" / f"part{n}-followups.jsonl" for n in (64, 65)]
    questions = [with_stored_ids(service, q) for path in held_out for q in load_questions(path)]
    asked = replayed(questions, lambda q, history: service.answer(q, history=history))
    report = summarise(run(lambda q: service.answer(q.q, history=list(q.history)), asked))
    assert report.questions == 120
    assert report.accuracy >= 0.77, report.failures
    assert report.answered_wrongly <= 0.16
