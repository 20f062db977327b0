"""Fit the reader's sentence ranker on the dev questions; report dev and test.

For every labelled question: the service's passages, every sentence of the best three
articles described by bot/reading/features.py, and which sentences hold the answer (they
contain one of `answer_any` and belong to a source article). A logistic regression (L2, its
strength chosen by 5-fold cross-validation on dev, grouped by question) learns which
sentence answers, with the answer pointer's feature for each dev question coming from a
pointer fitted on the other folds (bench/fit_pointer.py; the one fitted on all of dev is
written to bot/reading/pointer.npz); then the decline threshold that answers most dev
questions right (an answerable one answered right, an unanswerable one declined) is found
by answering every dev question with the fitted weights, one for facts and one for why /
what / yes-no questions; the table of other thresholds is printed too. Test questions are
only ever scored, never fitted.
Prints both halves' figures and the weights as Python for bot/reading/ranker.py.

    NEWSBOT_DATA_DIR=/tmp/bbc-full python bench/tune_reader.py \\
        --dev eval/bbc-dev.jsonl --test eval/bbc-test.jsonl eval/seeds-test.jsonl
    (eval/seeds-test.jsonl needs its own index: --test-data-dir pairs with --test files)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fit_pointer import PointerExample, example, fit_pointer, pointer_column
from bot.answer import AnswerService
from bot.composers.extractive import ExtractiveComposer
from bot.container import build_service
from bot.evaluation import (
    LabelledQuestion,
    holds_answer,
    judge,
    load_questions,
    with_stored_ids,
)
from bot.reading.features import FEATURES, INDEX
from bot.reading.pointer import PARAMETERS, AnswerPointer
from bot.reading.question import ENTITY_TYPES
from bot.reading.ranker import SentenceRanker
from bot.settings import Settings
from index.embedding import WordPieceCounter

STRENGTHS = (0.1, 0.3, 1.0, 3.0, 10.0)  # C: the inverse L2 strength, as in scikit-learn
# runner-up shares tried (1.01: the best sentence alone)
SHARES = (1.01, 0.3, 0.2, 0.1)
# for why, what and yes/no questions, given the facts' share (2-3 sentences may answer them)
STATEMENT_SHARES = (0.2, 0.1, 0.05)
FOLDS = 5
TOP = (1, 2, 3, 5, 8)  # the miss report's ranks


Shares = tuple[float, float]  # runner-up shares: for facts, for why / what / yes-no
Thresholds = tuple[float, float]  # decline thresholds, the same way round
Rule = Literal["evidence", "best"]  # decline by the answer's evidence, or its best sentence


@dataclass(frozen=True)
class Scored:
    """One question answered without declining: the answer's evidence (what the shipped rule
    cuts at), its best sentence's probability (the rule before session 10), and whether it
    is right."""

    evidence: float
    best: float
    right: bool

    def score(self, by: Rule) -> float:
        return self.evidence if by == "evidence" else self.best


@dataclass
class Read:
    """One question as the reader saw it."""

    question: LabelledQuestion
    standalone: str
    rows: np.ndarray
    right: np.ndarray  # bool per sentence: holds the answer, in a source article
    retrieved: bool  # a source article among the articles read
    passages: list  # type: ignore[type-arg]
    pointing: PointerExample
    statement: bool  # asks why, what or yes/no (as the reader types it), not for a fact
    places: list[tuple[str, int]]  # each sentence's article and its place in it


def collect(service: AnswerService, questions: list[LabelledQuestion]) -> list[Read]:
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    aligner = composer.aligner
    tokenizer = WordPieceCounter().tokenizer
    reads = []
    for q in questions:
        q = with_stored_ids(service, q)
        passages, standalone = service.passages(q.q, history=list(q.history), composer=composer)
        reading = composer.read(standalone, passages)
        right = np.array(
            [holds_answer(q, s.article_id, s.text) for s in reading.sentences], dtype=bool
        )
        retrieved = bool(set(q.sources) & {s.article_id for s in reading.sentences})
        answer_ids = [tokenizer.encode(a, add_special_tokens=False).ids for a in q.answer_any]
        words = [s.words for s in reading.sentences]
        pointing = example(aligner, aligner.asked(standalone), words, right, answer_ids)
        statement = reading.question.answer_type not in ENTITY_TYPES
        places = [(s.article_id, s.index) for s in reading.sentences]
        reads.append(
            Read(
                q, standalone, reading.rows, right, retrieved, passages, pointing, statement, places
            )
        )
    return reads


def point_out_of_fold(reads: list[Read]) -> list[AnswerPointer]:
    """Each read's pointer columns from a pointer fitted on the other folds (so that the
    ranker is fitted on what the pointer does for questions it has not seen); the pointers."""
    pointers = []
    for k in range(FOLDS):
        pointer = fit_pointer([r.pointing for i, r in enumerate(reads) if i % FOLDS != k])
        for r in reads[k::FOLDS]:
            set_pointer_columns(r, pointer)
        pointers.append(pointer)
    return pointers


def set_pointer_columns(read: Read, pointer: AnswerPointer) -> None:
    if not len(read.rows):
        return
    column = pointer_column(pointer, read.pointing)
    read.rows[:, INDEX["pointer"]] = column
    read.rows[:, INDEX["pointer_gap"]] = column - column.max()


def fit(reads: list[Read], c: float) -> np.ndarray:
    x = np.concatenate([r.rows for r in reads]).astype(np.float64)
    y = np.concatenate([r.right for r in reads]).astype(np.float64)
    penalty = np.ones(x.shape[1])
    penalty[FEATURES.index("bias")] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(np.logaddexp(0, z) - y * z) + 0.5 / c * np.sum(penalty * w * w)
        grad = x.T @ (p - y) + penalty * w / c
        return float(value), grad

    found = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    return np.asarray(found.x)


def top1(reads: list[Read], w: np.ndarray) -> float:
    """Share of answerable questions whose best-scored sentence holds the answer."""
    answerable = [r for r in reads if r.question.answerable]
    hits = sum(bool(r.rows.size) and bool(r.right[int(np.argmax(r.rows @ w))]) for r in answerable)
    return hits / max(1, len(answerable))


def choose_strength(reads: list[Read]) -> tuple[float, list[np.ndarray]]:
    """The L2 strength with the best cross-validated top-1, and its weights fitted without
    each fold (fold k holds reads[k::FOLDS])."""
    folds = [reads[i::FOLDS] for i in range(FOLDS)]
    best_c, best, best_weights = STRENGTHS[0], -1.0, []
    for c in STRENGTHS:
        weights = [
            fit([r for j, f in enumerate(folds) if j != k for r in f], c) for k in range(FOLDS)
        ]
        mean = float(np.mean([top1(folds[k], w) for k, w in enumerate(weights)]))
        print(f"  C={c:<5} cross-validated top-1 {mean:.3f}")
        if mean > best:
            best_c, best, best_weights = c, mean, weights
    return best_c, best_weights


def out_of_fold_scores(reads: list[Read], fold_weights: list[np.ndarray]) -> list[np.ndarray]:
    """Each read's sentence scores (logits) by the weights fitted without its fold."""
    return [r.rows @ fold_weights[i % FOLDS] for i, r in enumerate(reads)]


def report_misses(reads: list[Read], scores: list[np.ndarray]) -> None:
    """Where the answering sentence stands among the answerable questions' best-scored ones
    (out of fold), and where the best one stands when it does not answer: next to an
    answering sentence, elsewhere in its article, in another article, or nothing read holds
    the answer. What the next feature has to fix."""
    ranked = [
        (r, np.argsort(-s, kind="stable"))
        for r, s in zip(reads, scores, strict=True)
        if r.question.answerable
    ]
    recall = [(k, np.mean([bool(r.right[order[:k]].any()) for r, order in ranked])) for k in TOP]
    print("  answering sentence among the best k (out of fold): ", end="")
    print(", ".join(f"k={k} {share:.3f}" for k, share in recall))
    where = dict.fromkeys(("next to it", "same article", "another article", "not read"), 0)
    for r, order in ranked:
        answering = [r.places[n] for n in np.flatnonzero(r.right)]
        if not answering:
            where["not read"] += 1
            continue
        best = int(order[0])
        if r.right[best]:
            continue
        article, place = r.places[best]
        if any(a == article and abs(n - place) == 1 for a, n in answering):
            where["next to it"] += 1
        elif any(a == article for a, _ in answering):
            where["same article"] += 1
        else:
            where["another article"] += 1
    print(f"  best sentence wrong, {sum(where.values())} of {len(ranked)}: ", end="")
    print(", ".join(f"{name} {n}" for name, n in where.items()))


def answers(
    service: AnswerService,
    reads: list[Read],
    w: np.ndarray,
    shares: Shares,
    pointers: list[AnswerPointer] | None = None,
) -> list[Scored]:
    """Each question answered with weights `w`, runner-up shares `shares` and no decline.
    With `pointers` (one per fold), each question is read with its fold's pointer."""
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    composer.ranker = SentenceRanker(dict(zip(FEATURES, map(float, w), strict=True)))
    composer.min_score = composer.statement_min_score = 0.0
    composer.runner_up_share, composer.statement_runner_up_share = shares
    out = []
    for i, r in enumerate(reads):
        if pointers:
            composer.aligner.pointer = pointers[i % FOLDS]
        outcome = judge(r.question, composer.compose(r.standalone, r.passages), 0.0)
        best = max((c.score for c in outcome.answer.citations), default=-np.inf)
        out.append(Scored(outcome.evidence, best, outcome.right and r.question.answerable))
    return out


def accuracy_at(
    reads: list[Read], scored: list[Scored], t: float | Thresholds, by: Rule = "evidence"
) -> dict[str, float]:
    facts, statements = (t, t) if isinstance(t, float) else t
    right = wrong = declined_ok = declined_bad = 0
    unanswerable = sum(not r.question.answerable for r in reads)
    answerable = len(reads) - unanswerable
    for r, s in zip(reads, scored, strict=True):
        answered, ok = s.score(by) >= (statements if r.statement else facts), s.right
        if r.question.answerable:
            right += answered and ok
            wrong += answered and not ok
            declined_bad += not answered
        else:
            declined_ok += not answered
            wrong += answered
    return {
        "right": right / max(1, answerable),
        "wrong": wrong / max(1, len(reads)),
        "declined": declined_ok / max(1, unanswerable),
        "accuracy": (right + declined_ok) / max(1, len(reads)),
    }


CUTS = np.round(np.arange(0.02, 0.9, 0.01), 2)


def best_accuracy(reads: list[Read], scored: list[Scored], by: Rule = "evidence") -> float:
    return max(accuracy_at(reads, scored, t, by)["accuracy"] for t in CUTS)


def choose_shares(
    service: AnswerService, reads: list[Read], w: np.ndarray, pointers: list[AnswerPointer]
) -> tuple[Shares, list[Scored]]:
    """The runner-up share whose answers reach the best dev accuracy (at their best
    threshold), then, given it, the share for why, what and yes/no questions; each the widest
    within half a point of the best, for shorter answers."""
    tried: dict[Shares, list[Scored]] = {}
    accuracy: dict[Shares, float] = {}

    def answer_with(shares: Shares) -> None:
        tried[shares] = answers(service, reads, w, shares, pointers)
        accuracy[shares] = best_accuracy(reads, tried[shares])
        print(f"  runner-up shares {shares[0]} / {shares[1]}: best accuracy {accuracy[shares]:.1%}")

    for s in SHARES:
        answer_with((s, s))
    fact = _widest(accuracy)[0]
    for s in STATEMENT_SHARES:
        answer_with((fact, s))
    shares = _widest({k: a for k, a in accuracy.items() if k[0] == fact})
    return shares, tried[shares]


def _widest(accuracy: dict[Shares, float]) -> Shares:
    """The shares with the fewest quotes among those within half a point of the best."""
    top = max(accuracy.values())
    return max((s for s, a in accuracy.items() if a >= top - 0.005), key=lambda s: (s[1], s[0]))


def choose_threshold_pair(reads: list[Read], scored: list[Scored]) -> Thresholds:
    """One threshold for facts and one for why, what and yes/no questions (DECLINE_BELOW and
    STATEMENT_DECLINE_BELOW), each the best for its own questions; prints how the pair does
    against one threshold for all, cross-validated (each fold's questions declined at the
    thresholds that suit the other folds best)."""
    both = _threshold_pair(reads, scored)
    folds = [list(range(k, len(reads), FOLDS)) for k in range(FOLDS)]
    held_out = {"one": 0.0, "two": 0.0}
    for fold in folds:
        inside = set(fold)
        rest = [i for i in range(len(reads)) if i not in inside]
        fit_reads, fit_scored = [reads[i] for i in rest], [scored[i] for i in rest]
        out_reads, out_scored = [reads[i] for i in fold], [scored[i] for i in fold]
        for name, t in (
            ("one", _best_threshold(fit_reads, fit_scored)),
            ("two", _threshold_pair(fit_reads, fit_scored)),
        ):
            held_out[name] += accuracy_at(out_reads, out_scored, t)["accuracy"] * len(fold)
    one_cv, two_cv = (held_out[k] / len(reads) for k in ("one", "two"))
    print(
        f"  facts below {both[0]}, why / what / yes-no below {both[1]}: best accuracy "
        f"{accuracy_at(reads, scored, both)['accuracy']:.1%}; cross-validated "
        f"{two_cv:.1%} against {one_cv:.1%} for one threshold"
    )
    return both


def _best_threshold(reads: list[Read], scored: list[Scored]) -> float:
    """The middle of the thresholds with the best accuracy."""
    results = [(accuracy_at(reads, scored, float(t))["accuracy"], float(t)) for t in CUTS]
    best = max(a for a, _ in results)
    good = [t for a, t in results if a >= best - 1e-9]
    return good[len(good) // 2]


def _threshold_pair(reads: list[Read], scored: list[Scored]) -> Thresholds:
    """The best threshold for the facts alone and for the statements alone."""
    pair = []
    for statement in (False, True):
        own = [(r, s) for r, s in zip(reads, scored, strict=True) if r.statement == statement]
        pair.append(_best_threshold([r for r, _ in own], [s for _, s in own]))
    return pair[0], pair[1]


def choose_threshold(reads: list[Read], scored: list[Scored]) -> float:
    for t in CUTS[::5]:
        m = accuracy_at(reads, scored, t)
        print(
            f"  decline below {t:.2f}: right {m['right']:.1%} wrong {m['wrong']:.1%} "
            f"unanswerable declined {m['declined']:.1%} accuracy {m['accuracy']:.1%}"
        )
    chosen = _best_threshold(reads, scored)
    best = accuracy_at(reads, scored, chosen)["accuracy"]  # the chosen one is among the best
    print(
        f"  best accuracy declining by the evidence {best:.1%}, by the best sentence alone "
        f"{best_accuracy(reads, scored, 'best'):.1%}"
    )
    return chosen


def report(name: str, reads: list[Read], scored: list[Scored], t: float | Thresholds) -> None:
    m = accuracy_at(reads, scored, t)
    retrieved = np.mean([r.retrieved for r in reads if r.question.answerable])
    readable = np.mean([r.right.any() for r in reads if r.question.answerable])
    print(
        f"{name:>10}: {len(reads)} questions  right {m['right']:.1%}  wrong {m['wrong']:.1%}  "
        f"unanswerable declined {m['declined']:.1%}  accuracy {m['accuracy']:.1%}  "
        f"(source read {retrieved:.1%}, answer sentence read {readable:.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, nargs="+", required=True)
    parser.add_argument("--test", type=Path, nargs="*", default=[])
    parser.add_argument(
        "--test-data-dir",
        type=Path,
        nargs="*",
        default=[],
        help="the index of each --test file (default: NEWSBOT_DATA_DIR)",
    )
    parser.add_argument("--quick", action="store_true", help="a quarter of the dev questions")
    parser.add_argument(
        "--pointer", type=Path, default=PARAMETERS, help="where the fitted pointer is written"
    )
    args = parser.parse_args()
    settings = Settings()
    service = build_service(settings)
    dev_questions = [q for p in args.dev for q in load_questions(p)]
    if args.quick:
        dev_questions = dev_questions[::4]
    dev = collect(service, dev_questions)
    print(f"dev: {len(dev)} questions, {sum(len(r.rows) for r in dev)} sentences")
    pointers = point_out_of_fold(dev)
    pointer = fit_pointer([r.pointing for r in dev])
    pointer.save(args.pointer)
    print(f"pointer fitted on all of dev: {args.pointer}")
    c, fold_weights = choose_strength(dev)
    report_misses(dev, out_of_fold_scores(dev, fold_weights))
    w = fit(dev, c)
    shares, dev_scored = choose_shares(service, dev, w, pointers)
    choose_threshold(dev, dev_scored)  # the table, and one threshold for all, for comparison
    t = choose_threshold_pair(dev, dev_scored)
    print(f"C={c}, runner-up shares {shares[0]} / {shares[1]}, decline below {t}")
    report("dev", dev, dev_scored, t)
    for n, path in enumerate(args.test):
        data_dir = args.test_data_dir[n] if n < len(args.test_data_dir) else None
        own = (
            build_service(settings.model_copy(update={"data_dir": data_dir}))
            if data_dir
            else service
        )
        composer = own.composer("extractive")
        assert isinstance(composer, ExtractiveComposer)
        composer.aligner.pointer = pointer
        test = collect(own, load_questions(path))
        report(path.stem, test, answers(own, test, w, shares), t)
    print("WEIGHTS: dict[str, float] = {")
    for name, value in zip(FEATURES, w, strict=True):
        if abs(value) >= 0.005:
            print(f'    "{name}": {value:.3f},')
    print("}")
    print(f"DECLINE_BELOW = {t[0]}")
    print(f"STATEMENT_DECLINE_BELOW = {t[1]}")
    print(f"RUNNER_UP_SHARE = {shares[0]}  # bot/composers/extractive.py")
    print(f"STATEMENT_RUNNER_UP_SHARE = {shares[1]}")


if __name__ == "__main__":
    main()
