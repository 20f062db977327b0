"""What word alignment (bot/reading/alignment.py) adds to choosing the sentence that answers.

For every dev question it reads the sentences as answers do (bench/tune_reader.py's
`collect`: the word pieces kept at ingest, the question's from one model run) and compares
5-fold cross-validated top-1 (the share of answerable questions whose best-scored sentence
holds the answer) with all features and with the six alignment features left out. It also
times the alignment itself per question.

    NEWSBOT_DATA_DIR=/tmp/bbc-full python bench/token_alignment.py --dev eval/bbc-dev.jsonl
        [--quick]

An index made before word pieces were kept reads them per question instead (slow): ingest
once to keep them.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tune_reader import FOLDS, Read, collect, fit, top1

from bot.composers.extractive import ExtractiveComposer
from bot.container import build_service
from bot.evaluation import load_questions
from bot.reading.alignment import ALIGNMENT
from bot.reading.features import INDEX
from bot.settings import Settings

ALIGNMENT_COLUMNS = [INDEX[name] for name in ALIGNMENT] + [
    INDEX[f"{name}_gap"] for name in ALIGNMENT
]


def without_alignment(read: Read) -> Read:
    rows = read.rows.copy()
    rows[:, ALIGNMENT_COLUMNS] = 0.0
    return replace(read, rows=rows)


def cross_validated_top1(reads: list[Read]) -> float:
    folds = [reads[i::FOLDS] for i in range(FOLDS)]
    scores = []
    for k in range(FOLDS):
        train = [r for j, f in enumerate(folds) if j != k for r in f]
        scores.append(top1(folds[k], fit(train, 1.0)))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, nargs="+", required=True)
    parser.add_argument("--quick", action="store_true", help="a quarter of the dev questions")
    args = parser.parse_args()
    service = build_service(Settings())
    questions = [q for p in args.dev for q in load_questions(p)]
    if args.quick:
        questions = questions[::4]
    reads = collect(service, questions)
    composer = service.composer("extractive")
    assert isinstance(composer, ExtractiveComposer)
    aligner = composer.aligner
    read = [composer.read(r.standalone, r.passages).sentences for r in reads]
    started = time.perf_counter()
    for r, sentences in zip(reads, read, strict=True):
        aligner.align(aligner.asked(r.standalone), [s.words for s in sentences])
    per_question = (time.perf_counter() - started) / max(1, len(reads))
    print(
        f"{len(reads)} questions; aligning one takes {per_question * 1000:.1f} ms"
        " (the question's pieces from retrieval's model run, as when answering)"
    )
    without = cross_validated_top1([without_alignment(r) for r in reads])
    print(f"cross-validated top-1 without alignment {without:.3f}")
    print(f"cross-validated top-1 with alignment    {cross_validated_top1(reads):.3f}")


if __name__ == "__main__":
    main()
