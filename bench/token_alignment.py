"""Would aligning the question's words with each sentence's words help the reader choose?

An experiment, not part of answering: for every dev question it reads the sentences as the
reader does (bench/tune_reader.py's `collect`), adds three word-alignment features from
MiniLM's token states (each sentence embedded alone), and compares 5-fold cross-validated
top-1 (the share of answerable questions whose best-scored sentence holds the answer) with
and without them. The features, per sentence:
- maxsim: the mean over the question's content words of their best cosine to a sentence word;
- wh: the best cosine between the question's wh-word and a sentence word the question lacks
  (the word that takes the wh-word's place: "Kosenkow won" for "who won");
- wh_gain: that minus the wh-word's best cosine to the words the question shares;
each also as its gap to the question's best sentence. See docs/answering.md for the result.

    NEWSBOT_DATA_DIR=/tmp/bbc-full python bench/token_alignment.py --dev eval/bbc-dev.jsonl
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tune_reader import FOLDS, Read, collect, fit, top1

from bot.container import build_service
from bot.evaluation import load_questions
from bot.settings import Settings
from index.embedding import OnnxMiniLM

WH_WORDS = frozenset(["who", "whom", "whose", "which", "what", "when", "where", "why", "how"])


def alignment(model: OnnxMiniLM, question: str, sentences: list[str]) -> np.ndarray:
    """(maxsim, wh, wh_gain) per sentence."""
    (asked, pieces), *read = model.token_states([question, *sentences])
    wh = [i for i, p in enumerate(pieces) if p in WH_WORDS]
    content = [i for i, p in enumerate(pieces) if p.isalpha() and len(p) > 2 and p not in WH_WORDS]
    asked_pieces = set(pieces)
    out = np.zeros((len(sentences), 3), dtype=np.float32)
    for n, (states, own) in enumerate(read):
        if not len(states):
            continue
        cosines = asked @ states.T
        if content:
            out[n, 0] = cosines[content].max(axis=1).mean()
        new = np.array([p not in asked_pieces and p.strip("#").isalnum() for p in own])
        if wh and new.any():
            out[n, 1] = cosines[wh][:, new].max()
            out[n, 2] = out[n, 1] - (cosines[wh][:, ~new].max() if (~new).any() else 0.0)
    return out


def with_alignment(read: Read, features: np.ndarray) -> Read:
    gaps = features - features.max(axis=0, keepdims=True) if len(features) else features
    rows = np.hstack([read.rows, features, gaps]).astype(np.float32)
    return Read(read.question, read.standalone, rows, read.right, read.retrieved, [])


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
    texts = [[s.text for s in composer.read(r.standalone, r.passages).sentences] for r in reads]
    model = OnnxMiniLM()
    started = time.perf_counter()
    aligned = [
        with_alignment(read, alignment(model, read.standalone, sentences))
        for read, sentences in zip(reads, texts, strict=True)
    ]
    per_question = (time.perf_counter() - started) / max(1, len(reads))
    print(f"{len(reads)} questions; alignment {per_question * 1000:.0f} ms per question")
    print(f"cross-validated top-1 without alignment {cross_validated_top1(reads):.3f}")
    print(f"cross-validated top-1 with alignment    {cross_validated_top1(aligned):.3f}")


if __name__ == "__main__":
    main()
