"""One client's answering time over labelled questions, in-process (no HTTP).

    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-test.jsonl [--quick]
    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-dev.jsonl --prepare-ratio
    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-dev.jsonl --articles-ratio 3

Run it from another checkout (an older commit) against the same index to compare composers:
the figures are only comparable within one session on one machine. `--prepare-ratio`
compares, in this process, answers whose question is parsed while retrieval runs (the
extractive composer's `prepare`, as shipped) with answers that parse it after: the two take
turns question by question (so both meet the same mix of questions and the same state of the
machine), each question asked once (a second time would hit the caches), and it prints each
round's p50 ratio. `--articles-ratio N` compares the same way answers that read the shipped
number of articles (bot/reading/sentences.py, ARTICLES_READ) with answers that read N.
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
    shipped = composer.articles

    def read(as_shipped: bool) -> None:
        composer.articles = shipped if as_shipped else other

    alternate(service, questions, read, (f"reading {other} articles", f"{shipped} (shipped)"))


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
        first, then = (percentile(sorted(times[way]), 50) for way in (False, True))
        print(
            f"round {n + 1}, {size // 2} questions each way: p50 {names[0]} {first:.1f} ms, "
            f"{names[1]} {then:.1f} ms, ratio {then / first:.3f}"
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
    parser.add_argument(
        "--prepare-ratio", action="store_true", help="parsing during retrieval against after it"
    )
    parser.add_argument(
        "--articles-ratio",
        type=int,
        metavar="N",
        help="reading the shipped number of articles against reading N",
    )
    args = parser.parse_args()
    questions = load_questions(args.questions)
    if args.quick:
        compared = args.prepare_ratio or args.articles_ratio
        questions = questions[: 320 if compared else 40]
    service = build_service(Settings())
    service.answer("warm up the model and the indexes")
    if args.prepare_ratio:
        prepare_ratio(service, questions)
    elif args.articles_ratio:
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
