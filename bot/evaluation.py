"""Scoring answers against a labelled question file, and calibrating the decline threshold.

A labelled file is JSONL, one question a line:
    {"q": "...", "answer_any": ["..."], "sources": ["article id", ...], "answerable": true,
     "history": [{"question": "...", "answer": "..."}]}            (history is optional)

Definitions (all shares in [0, 1]):
- an answerable question is *right* when the service answers it (`answerable: true`), the answer
  text contains one of `answer_any` (case-insensitive; any text counts when the list is empty)
  and at least one citation is to an article in `sources` (any, when `sources` is empty);
  an unanswerable question is right when the service declines it.
- answer accuracy: right answerable questions / answerable questions.
- decline accuracy: questions whose answered-or-declined outcome matches the label / questions.
- unanswerable declined: declined unanswerable questions / unanswerable questions.
- citation precision: over every citation the service gave (on any question), the share that is
  *supported*: its quote contains an `answer_any` string or its article is in `sources`
  (a citation given for an unanswerable question is never supported).
- citation recall: mean over answerable questions with `sources` of the share of those
  articles that were cited.
- accuracy (what calibration maximises): right questions / questions.
- answered wrongly: questions answered (not declined) but not right / questions.
- by type (the label's "type", else what the reader took the question to ask): per answer
  type, how many questions, right and cited, answered wrongly, declined though answerable,
  and unanswerable declined.
- the cause of each miss on an answerable question, when the run can tell: "not retrieved"
  (no source article among those read), "not read" (a source was read but none of its
  sentences holds an `answer_any` string), "not chosen" (such a sentence was read, another
  was quoted, or the answer was declined).
- latency: wall-clock milliseconds of each `AnswerService.answer` call, p50 and p95.

A follow-up is asked after its labelled earlier turns, whose answers are the writer's; with
`replayed` (`newsbot eval --replay`) it is asked after the service's own answers to those
turns' questions instead, as a user meets it over REST, in Discord or in `newsbot chat`.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.answer import AnswerService, own_conversation
from bot.errors import NewsbotError
from bot.models import Answer, Turn
from bot.reading.question import ENTITY_TYPES
from bot.reading.ranker import evidence


class EvalFileError(NewsbotError):
    """A labelled question file is missing or has a malformed line."""


@dataclass(frozen=True)
class LabelledQuestion:
    """One question with what a right answer contains and which articles it should cite."""

    q: str
    answerable: bool
    answer_any: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    history: tuple[Turn, ...] = ()
    answer_type: str = ""  # the label's "type" ("person", "date", …), when it gives one


@dataclass(frozen=True)
class Outcome:
    """How the service did on one labelled question."""

    question: LabelledQuestion
    answer: Answer
    latency_ms: float
    right: bool
    supported_citations: int
    sources_cited: int
    cause: str | None = None  # why an answerable question was missed, when known

    @property
    def evidence(self) -> float:
        """What the decline threshold cuts at: how likely it is that one of the answer's
        citations answers (bot/reading/ranker.py `evidence`); -inf when declined."""
        if not self.answer.citations:
            return -math.inf
        return evidence(c.score for c in self.answer.citations)


@dataclass(frozen=True)
class EvalReport:
    """The summary numbers of one evaluation run (definitions in the module docstring)."""

    questions: int
    answerable: int
    unanswerable: int
    accuracy: float
    answer_accuracy: float
    decline_accuracy: float
    unanswerable_declined: float
    citation_precision: float
    citation_recall: float
    latency_p50_ms: float
    latency_p95_ms: float
    answered_wrongly: float = 0.0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    causes: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Calibration:
    """The decline threshold that maximises accuracy on a labelled set, and that accuracy."""

    threshold: float
    accuracy: float
    questions: int
    low: float  # every threshold above `low` and up to `high` is as good
    high: float | None  # None: no upper bound (declining everything is as good)


def load_questions(path: Path) -> list[LabelledQuestion]:
    """Read a labelled JSONL file; a bad line raises EvalFileError naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            questions.append(_parse_question(json.loads(line)))
        except (ValueError, TypeError, KeyError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
    if not questions:
        raise EvalFileError(f"{path} holds no questions")
    return questions


def _parse_question(record: Any) -> LabelledQuestion:
    if not isinstance(record, dict):
        raise TypeError("each line must be a JSON object")
    q = record["q"]
    if not isinstance(q, str) or not q.strip():
        raise ValueError('"q" must be a non-empty string')
    history = tuple(
        Turn(str(t["question"]), str(t.get("answer", ""))) for t in record.get("history", [])
    )
    return LabelledQuestion(
        q=q,
        answerable=bool(record.get("answerable", True)),
        answer_any=tuple(str(a) for a in record.get("answer_any", [])),
        sources=tuple(str(s) for s in record.get("sources", [])),
        history=history,
        answer_type=str(record.get("type", "")),
    )


def judge(question: LabelledQuestion, answer: Answer, latency_ms: float) -> Outcome:
    """Score one answer against its labels."""
    cited = {c.article_id for c in answer.citations}
    if question.answerable:
        text = answer.answer.lower()
        says_it = not question.answer_any or any(a.lower() in text for a in question.answer_any)
        cites_it = not question.sources or bool(cited & set(question.sources))
        right = answer.answerable and says_it and cites_it
        supported = sum(_supported(question, c.quote, c.article_id) for c in answer.citations)
    else:
        right = not answer.answerable
        supported = 0
    return Outcome(
        question, answer, latency_ms, right, supported, len(cited & set(question.sources))
    )


def _supported(question: LabelledQuestion, quote: str, article_id: str) -> bool:
    quote = quote.lower()
    return article_id in question.sources or any(a.lower() in quote for a in question.answer_any)


# Why an answerable question was missed: "not retrieved", "not read" or "not chosen".
Diagnose = Callable[[LabelledQuestion], str]


def run(
    ask: Callable[[LabelledQuestion], Answer],
    questions: Iterable[LabelledQuestion],
    diagnose: Diagnose | None = None,
) -> list[Outcome]:
    """Ask every question (`ask` wraps the answering service) and judge the answers;
    `diagnose` names the cause of each miss on an answerable question."""
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(question)
        outcome = judge(question, answer, (time.perf_counter() - started) * 1000)
        if diagnose is not None and question.answerable and not outcome.right:
            outcome = replace(outcome, cause=diagnose(question))
        outcomes.append(outcome)
    return outcomes


def summarise(outcomes: list[Outcome]) -> EvalReport:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    with_sources = [o for o in answerable if o.question.sources]
    citations = sum(len(o.answer.citations) for o in outcomes)
    latencies = sorted(o.latency_ms for o in outcomes)
    return EvalReport(
        questions=len(outcomes),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        accuracy=_share(sum(o.right for o in outcomes), len(outcomes)),
        answer_accuracy=_share(sum(o.right for o in answerable), len(answerable)),
        decline_accuracy=_share(
            sum(o.answer.answerable == o.question.answerable for o in outcomes), len(outcomes)
        ),
        unanswerable_declined=_share(sum(o.right for o in unanswerable), len(unanswerable)),
        citation_precision=_share(sum(o.supported_citations for o in outcomes), citations),
        citation_recall=_mean(
            [o.sources_cited / len(set(o.question.sources)) for o in with_sources]
        ),
        latency_p50_ms=round(percentile(latencies, 50), 1),
        latency_p95_ms=round(percentile(latencies, 95), 1),
        answered_wrongly=_share(
            sum(o.answer.answerable and not o.right for o in outcomes), len(outcomes)
        ),
        by_type=by_type(outcomes),
        causes=dict(Counter(o.cause for o in outcomes if o.cause)),
        failures=[_failure(o) for o in outcomes if not o.right],
    )


def by_type(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Counts per answer type: questions, right, wrong, declined (answerable), unanswerable
    questions and those declined."""
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        kind = o.question.answer_type or o.answer.answer_type or "unknown"
        row = table.setdefault(
            kind,
            {"questions": 0, "right": 0, "wrong": 0, "declined": 0, "unanswerable": 0,
             "unanswerable_declined": 0},
        )  # fmt: skip
        row["questions"] += 1
        if o.question.answerable:
            row["right"] += o.right
            row["wrong"] += o.answer.answerable and not o.right
            row["declined"] += not o.answer.answerable
        else:
            row["unanswerable"] += 1
            row["unanswerable_declined"] += o.right
            row["wrong"] += not o.right
    return dict(sorted(table.items()))


def calibrate(outcomes: list[Outcome]) -> Calibration:
    """The threshold that maximises accuracy, from outcomes of a run with the threshold at 0.

    A threshold t declines exactly the answers whose evidence is below t, and leaves the
    others unchanged, so one run at 0 tells the accuracy of every t. Of equally good
    thresholds the middle one is taken, to stay clear of both sides.
    """
    if not outcomes:
        raise ValueError("nothing to calibrate on")
    scores = sorted({o.evidence for o in outcomes if math.isfinite(o.evidence)})
    cuts = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(scores)]
    cuts += [scores[-1] + 0.01] if scores else []
    best_accuracy, best_cuts = -1.0, [0.0]
    for cut in cuts:
        accuracy = _accuracy_at(outcomes, cut)
        if accuracy > best_accuracy + 1e-12:
            best_accuracy, best_cuts = accuracy, [cut]
        elif abs(accuracy - best_accuracy) <= 1e-12:
            best_cuts.append(cut)
    return Calibration(
        threshold=round(best_cuts[len(best_cuts) // 2], 5),
        accuracy=round(best_accuracy, 4),
        questions=len(outcomes),
        low=max((x for x in scores if x < min(best_cuts)), default=0.0),
        high=min((x for x in scores if x >= max(best_cuts)), default=None),
    )


def calibrate_by_kind(outcomes: list[Outcome]) -> dict[str, Calibration]:
    """The best threshold for the questions that ask for a fact and, apart, for those that ask
    why, what or yes/no (`NEWSBOT_ANSWER_MIN_SCORE`, `NEWSBOT_ANSWER_STATEMENT_MIN_SCORE`),
    from outcomes of a run with both at 0. A question counts where the reader put it (its
    answer's type); one declined at 0 (nothing read names what it names) counts with the
    facts, declined at any threshold, and so does every follow-up, which is held to the facts'
    threshold, unless it announces a new subject ("Different topic: why …", which is asked
    afresh). A kind without questions is left out."""
    kinds: dict[str, list[Outcome]] = {"facts": [], "statements": []}
    for o in outcomes:
        asked_alone = not own_conversation(o.question.q, list(o.question.history))[1]
        statement = is_statement(o.answer) and asked_alone
        kinds["statements" if statement else "facts"].append(o)
    return {kind: calibrate(own) for kind, own in kinds.items() if own}


def is_statement(answer: Answer) -> bool:
    """Whether the reader took the question to ask why, what or yes/no, not for a fact."""
    return answer.answer_type is not None and answer.answer_type not in ENTITY_TYPES


def _accuracy_at(outcomes: list[Outcome], threshold: float) -> float:
    right = 0
    for o in outcomes:
        answered = o.evidence >= threshold
        right += (answered and o.right) if o.question.answerable else not answered
    return right / len(outcomes)


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _failure(outcome: Outcome) -> dict[str, Any]:
    return {
        "q": outcome.question.q,
        "answerable": outcome.question.answerable,
        "answered": outcome.answer.answerable,
        "answer": outcome.answer.answer,
        "cited": [c.article_id for c in outcome.answer.citations],
        "cause": outcome.cause,
        "evidence": outcome.evidence if math.isfinite(outcome.evidence) else None,
    }


def reading_diagnosis(service: AnswerService) -> Diagnose | None:
    """Tells why the extractive composer missed a question: what it read, against the labels."""
    from bot.composers.extractive import ExtractiveComposer

    try:
        composer = service.composer("extractive")
    except NewsbotError:
        return None
    if not isinstance(composer, ExtractiveComposer):
        return None

    def diagnose(question: LabelledQuestion) -> str:
        passages, standalone = service.passages(question.q, history=list(question.history))
        sentences = composer.read(standalone, passages).sentences
        sources = set(question.sources)
        if not any(not sources or s.article_id in sources for s in sentences):
            return "not retrieved"
        if not any(holds_answer(question, s.article_id, s.text) for s in sentences):
            return "not read"
        return "not chosen"

    return diagnose


def holds_answer(question: LabelledQuestion, article_id: str, text: str) -> bool:
    """Whether this text of this article answers the question by its labels: it contains one of
    `answer_any` (any text, when none is given) and the article is a source (any, when none)."""
    wanted = [a.lower() for a in question.answer_any]
    says_it = not wanted or any(a in text.lower() for a in wanted)
    return (
        question.answerable and says_it and (not question.sources or article_id in question.sources)
    )


class Replay:
    """The earlier turns of labelled conversations, answered by the service itself: each
    turn's question asked after the service's own answers to the ones before it (each
    distinct conversation prefix asked once)."""

    def __init__(self, ask: Callable[[str, list[Turn]], Answer]) -> None:
        self.ask = ask
        self._said: dict[tuple[str, ...], str] = {}

    def history(self, turns: Iterable[Turn]) -> tuple[Turn, ...]:
        replayed: list[Turn] = []
        for turn in turns:
            asked = (*(t.question for t in replayed), turn.question)
            if asked not in self._said:
                self._said[asked] = self.ask(turn.question, list(replayed)).answer
            replayed.append(Turn(turn.question, self._said[asked]))
        return tuple(replayed)


def replayed(
    questions: list[LabelledQuestion], ask: Callable[[str, list[Turn]], Answer]
) -> list[LabelledQuestion]:
    """The questions with their earlier turns answered by `ask` (the service), not the
    writers: a follow-up as a user meets it, after what the bot itself said."""
    replay = Replay(ask)
    return [replace(q, history=replay.history(q.history)) for q in questions]


def with_stored_ids(service: AnswerService, question: LabelledQuestion) -> LabelledQuestion:
    """The question with each source named by its stored id (an exact duplicate's id is an
    alias of the article it duplicates, and citations name that article)."""
    ids = {service.catalog.canonical_id(s) or s for s in question.sources}
    return replace(question, sources=tuple(sorted(ids)))
