"""Follow-up questions as a user meets them: each conversation replayed through the service.

A labelled follow-up (eval/drafts/part6*-followups.jsonl) carries its earlier questions and
the answers its writer expected, and plain `newsbot eval` asks it after those answers. Over REST,
in Discord or in `newsbot chat`, a follow-up comes after the bot's *own* answers, which quote
the story (or decline). This bench replays each conversation: it asks every earlier
question in turn, each after the answers the service gave before it, then asks the
follow-up after all of them, and judges it as `newsbot eval` does (with its miss causes).
`--labelled` asks after the writers' answers instead, as `newsbot eval` does (`newsbot eval
--replay` replays as this bench does, without the by-turn counts and the unrelated-turn check).
`--switch FILE` adds the unrelated-turn check: questions of FILE (single questions), each
asked after one question on another article (seed 5), replayed the same way.
`--rank-prior` and `--evidence-prior` set the extractive composer's priors for the story the
previous answer quoted (FOLLOW_UP_RANK_PRIOR, FOLLOW_UP_EVIDENCE_PRIOR), as they were chosen.

    NEWSBOT_DATA_DIR=/tmp/bbc-words python bench/follow_ups.py \\
        eval/drafts/part60-followups.jsonl eval/drafts/part61-followups.jsonl \\
        --switch eval/bbc-dev.jsonl [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answer import AnswerService
from bot.composers import extractive
from bot.container import build_service
from bot.evaluation import (
    LabelledQuestion,
    load_questions,
    reading_diagnosis,
    replayed,
    run,
    summarise,
    with_stored_ids,
)
from bot.models import Turn
from bot.settings import Settings

SWITCH_SEED = 5
SWITCHED = 100  # questions in the unrelated-turn check (30 with --quick)


def after_another_article(questions: list[LabelledQuestion], count: int) -> list[LabelledQuestion]:
    """`count` questions, each with one earlier turn: a question on another article."""
    rng = random.Random(SWITCH_SEED)
    count = min(count, len(questions))
    picked, earlier = rng.sample(questions, count), rng.sample(questions, count)
    return [
        replace(q, history=(Turn(e.q, ""),))
        for q, e in zip(picked, earlier, strict=True)
        if set(e.sources).isdisjoint(q.sources)
    ]


def report(name: str, service: AnswerService, questions: list[LabelledQuestion]) -> None:
    outcomes = run(
        lambda q: service.answer(q.q, history=list(q.history)),
        questions,
        reading_diagnosis(service),
    )
    r = summarise(outcomes)
    causes = ", ".join(f"{cause} {n}" for cause, n in sorted(r.causes.items()))
    print(
        f"{name}: {r.questions} questions  overall {r.accuracy:.1%}  right {r.answer_accuracy:.1%}"
        f"  wrong {r.answered_wrongly:.1%}  unanswerable declined {r.unanswerable_declined:.1%}"
        f"  ({causes or 'no misses'})",
        flush=True,
    )
    turns = sorted({len(o.question.history) for o in outcomes})
    if len(turns) > 1:
        by_turn = []
        for n in turns:
            own = [o for o in outcomes if len(o.question.history) == n]
            by_turn.append(f"after {n}: {sum(o.right for o in own)}/{len(own)}")
        print(f"    right by earlier turns: {', '.join(by_turn)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="*", help="labelled follow-ups (.jsonl)")
    parser.add_argument("--switch", type=Path, help="single questions for the unrelated-turn check")
    parser.add_argument("--labelled", action="store_true", help="ask after the writers' answers")
    parser.add_argument("--quick", action="store_true", help="20 of each file, 30 switched")
    parser.add_argument("--rank-prior", type=float, default=extractive.FOLLOW_UP_RANK_PRIOR)
    parser.add_argument("--evidence-prior", type=float, default=extractive.FOLLOW_UP_EVIDENCE_PRIOR)
    args = parser.parse_args()
    # read by the composer at each follow-up
    extractive.FOLLOW_UP_RANK_PRIOR = args.rank_prior
    extractive.FOLLOW_UP_EVIDENCE_PRIOR = args.evidence_prior
    service = build_service(Settings())
    sets = [(path.name, load_questions(path)[: 20 if args.quick else None]) for path in args.files]
    if args.switch:
        switched = after_another_article(
            load_questions(args.switch), 30 if args.quick else SWITCHED
        )
        sets.append((f"{args.switch.name} after another article", switched))
    for name, questions in sets:
        questions = [with_stored_ids(service, q) for q in questions]
        if not args.labelled:
            questions = replayed(questions, lambda q, history: service.answer(q, history=history))
        report(name, service, questions)


if __name__ == "__main__":
    main()
