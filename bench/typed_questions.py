"""Labelled questions as users type them: each question of a file rewritten the way people
write casually, and scored as written and rewritten (`newsbot eval`'s figures).

Rewrites: "lower" (lower case, no question mark), "no-mark" (no question mark), "wrapped"
(a wh-question opened with "Can you tell me" or "Do you know", in turn; other questions are
left out of that one, and its "as written" line is over the same wh-questions), "typo" (one
name of five letters or more past the first word misspelt: a letter dropped, doubled or
swapped with the next, in turn; questions without such a name are left out, as for
"wrapped").

    NEWSBOT_DATA_DIR=/tmp/bbc-words python bench/typed_questions.py eval/bbc-test.jsonl [--quick]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.container import build_service
from bot.evaluation import LabelledQuestion, load_questions, run, summarise, with_stored_ids
from bot.settings import Settings

WH = re.compile(r"(who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
OPENINGS = ("Can you tell me ", "Do you know ")


def lower(q: LabelledQuestion, n: int) -> LabelledQuestion:
    return replace(q, q=q.q.lower().rstrip("?").strip())


def no_mark(q: LabelledQuestion, n: int) -> LabelledQuestion:
    return replace(q, q=q.q.rstrip("?").strip())


def wrapped(q: LabelledQuestion, n: int) -> LabelledQuestion:
    return replace(q, q=OPENINGS[n % 2] + q.q[:1].lower() + q.q[1:])


NAME = re.compile(r"(?<=\s)[A-Z][a-z]{4,}")


def misspelt(q: LabelledQuestion, n: int) -> LabelledQuestion:
    name = NAME.search(q.q)
    assert name is not None
    word, at = name.group(0), 2 + n % (len(name.group(0)) - 3)  # never the first two letters
    typed = (
        word[:at] + word[at + 1 :],  # dropped
        word[:at] + word[at] + word[at:],  # doubled
        word[:at] + word[at + 1] + word[at] + word[at + 2 :],  # swapped
    )[n % 3]
    return replace(q, q=q.q[: name.start()] + typed + q.q[name.end() :])


REWRITES: dict[str, Callable[[LabelledQuestion, int], LabelledQuestion]] = {
    "lower": lower,
    "no-mark": no_mark,
    "wrapped": wrapped,
    "typo": misspelt,
}
# which questions each rewrite applies to (the others are left out of its two lines)
APPLIES: dict[str, Callable[[str], object]] = {"wrapped": WH.match, "typo": NAME.search}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--quick", action="store_true", help="100 questions drawn at random")
    parser.add_argument(
        "--only", choices=sorted(REWRITES), nargs="+", help="these rewrites alone (default: all)"
    )
    args = parser.parse_args()
    service = build_service(Settings())
    questions = [q for path in args.files for q in load_questions(path) if not q.history]
    if args.quick:
        questions = random.Random(16).sample(questions, min(100, len(questions)))
    questions = [with_stored_ids(service, q) for q in questions]

    def score(name: str, asked: list[LabelledQuestion]) -> None:
        r = summarise(run(lambda q: service.answer(q.q), asked))
        print(
            f"{name:>22}: {r.questions} questions  overall {r.accuracy:.1%}  right "
            f"{r.answer_accuracy:.1%}  wrong {r.answered_wrongly:.1%}  unanswerable declined "
            f"{r.unanswerable_declined:.1%}",
            flush=True,
        )

    score("as written", questions)
    for name, rewrite in REWRITES.items():
        if args.only and name not in args.only:
            continue
        applies = APPLIES.get(name)
        own = [q for q in questions if applies is None or applies(q.q)]
        if applies is not None:
            score(f"{name}: as written", own)
        score(name, [rewrite(q, n) for n, q in enumerate(own)])
    service.close()


if __name__ == "__main__":
    main()
