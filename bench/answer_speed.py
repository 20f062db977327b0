"""One client's answering time over labelled questions, in-process (no HTTP).

    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-test.jsonl [--quick]
    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-dev.jsonl --prepare-ratio
    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-dev.jsonl --articles-ratio 5

Run it from another checkout (an older commit) against the same index to compare composers:
the figures are only comparable within one session on one machine. `--prepare-ratio`
compares, in this process, answers whose question is parsed while retrieval runs (the
extractive composer's `prepare`, as shipped) with answers that parse it after: the two take
turns question by question (so both meet the same mix of questions and the same state of the
machine), each question asked once (a second time would hit the caches), and it prints each
round's p50 ratio. `--articles-ratio N` compares the same way answers that read N articles
with answers that read as many as this checkout does (bot/reading/sentences.py,
ARTICLES_READ); `--cross-ratio` answers read with the cross-reader (bot/reading/cross_reader.py)
against the reader alone; the ratio is always the second way's p50 over the first's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answer import AnswerService
from bot.composers.extractive import ExtractiveComposer
from bot.container import build_service
from bot.evaluation import LabelledQuestion, load_questions, percentile
from bot.settings import Settings

ROUNDS = 4


def timed(service: AnswerService, questions: list[LabelledQuestion]) -> list[float]:
    times = []
    for q in questions:
        started = time.perf_counter()
        service.answer(q.q, history=list(q.history))
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def prepare_ratio(service: AnswerService, questions: list[LabelledQuestion]) -> None:
    composer = _extractive(service)
    shipped = composer.prepare

    def parse(ahead: bool) -> None:
        composer.prepare = shipped if ahead else (lambda question: None)  # type: ignore[method-assign]

    alternate(service, questions, parse, ("parsed after retrieval", "during it"))


def articles_ratio(service: AnswerService, questions: list[LabelledQuestion], other: int) -> None:
    composer = _extractive(service)
    configured = composer.articles

    def read(as_configured: bool) -> None:
        composer.articles = configured if as_configured else other

    names = (f"reading {other} articles", f"{configured} (as configured)")
    alternate(service, questions, read, names)


def cross_ratio(service: AnswerService, questions: list[LabelledQuestion]) -> None:
    composer = _extractive(service)
    reader = composer.cross_reader
    if reader is None:
        raise SystemExit("the cross-reader is off: unset NEWSBOT_CROSS_READER")
    reader.warm_up()

    def read(with_it: bool) -> None:
        composer.cross_reader = reader if with_it else None

    alternate(service, questions, read, ("the reader alone", "with the cross-reader"))


def alternate(
    service: AnswerService,
    questions: list[LabelledQuestion],
    use: Callable[[bool], None],
    names: tuple[str, str],
) -> None:
    """Two ways of answering (`use(False)`, then `use(True)` sets each up) taking turns
    question by question, so that both meet the same mix of questions and the same state of
    the machine; each round's p50s and their ratio (the second way's over the first's)."""
    size = len(questions) // ROUNDS
    if size < 2:
        raise SystemExit(f"a comparison needs at least {2 * ROUNDS} questions")
    for n in range(ROUNDS):
        times: dict[bool, list[float]] = {False: [], True: []}
        for i, q in enumerate(questions[n * size : (n + 1) * size]):
            second = (i + n) % 2 == 1
            use(second)
            times[second].extend(timed(service, [q]))
        use(True)
        first_way, second_way = (percentile(sorted(times[way]), 50) for way in (False, True))
        print(
            f"round {n + 1}, {size // 2} questions each way: p50 {names[0]} {first_way:.1f} ms, "
            f"{names[1]} {second_way:.1f} ms, ratio {second_way / first_way:.3f}"
        )


def _extractive(service: AnswerService) -> ExtractiveComposer:
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    return composer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="the first 40 questions (320 for a comparison)"
    )
    compare = parser.add_mutually_exclusive_group()
    compare.add_argument(
        "--prepare-ratio", action="store_true", help="parsing during retrieval against after it"
    )
    compare.add_argument(
        "--articles-ratio",
        type=int,
        metavar="N",
        help="reading N articles against reading as many as configured",
    )
    compare.add_argument(
        "--cross-ratio",
        action="store_true",
        help="answers read with the cross-reader against the reader alone",
    )
    args = parser.parse_args()
    if args.articles_ratio is not None and args.articles_ratio < 1:
        parser.error("--articles-ratio needs at least one article")
    questions = load_questions(args.questions)
    if args.quick:
        compared = args.prepare_ratio or args.cross_ratio or args.articles_ratio is not None
        questions = questions[: 320 if compared else 40]
    service = build_service(Settings())
    service.answer("warm up the model and the indexes")
    if args.prepare_ratio:
        prepare_ratio(service, questions)
    elif args.cross_ratio:
        cross_ratio(service, questions)
    elif args.articles_ratio is not None:
        articles_ratio(service, questions, args.articles_ratio)
    else:
        times = timed(service, questions)
        print(
            f"{len(times)} questions: p50 {percentile(times, 50):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms, mean {statistics.mean(times):.1f} ms"
        )
    service.close()


if __name__ == "__main__":
    main()
