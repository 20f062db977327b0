"""One client's answering time over labelled questions, in-process (no HTTP).

    NEWSBOT_DATA_DIR=/tmp/bbc python bench/answer_speed.py eval/bbc-test.jsonl [--quick]

Run it from another checkout (an older commit) against the same index to compare composers:
the figures are only comparable within one session on one machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.container import build_service
from bot.evaluation import load_questions, percentile
from bot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--quick", action="store_true", help="the first 40 questions")
    args = parser.parse_args()
    questions = load_questions(args.questions)[: 40 if args.quick else None]
    service = build_service(Settings())
    service.answer("warm up the model and the indexes")
    times = []
    for q in questions:
        started = time.perf_counter()
        service.answer(q.q, history=list(q.history))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"{len(times)} questions: p50 {percentile(times, 50):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, mean {statistics.mean(times):.1f} ms"
    )
    service.close()


if __name__ == "__main__":
    main()
