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
        [--in-context] [--dims 64] [--quick]

`--in-context` reads each sentence's words inside its chunk, as ingest's model run does, and
`--dims N` keeps them as an index could store them (a fixed random projection to N
dimensions, int8): together they tell whether states kept at ingest would serve.
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
from bot.reading.sentences import ReadSentence
from bot.settings import Settings
from index.embedding import OnnxMiniLM

WH_WORDS = frozenset(["who", "whom", "whose", "which", "what", "when", "where", "why", "how"])

Words = tuple[np.ndarray, list[str]]  # a text's word-piece states (a row each) and pieces


def alone(model: OnnxMiniLM, texts: list[str]) -> list[Words]:
    return [(t.vectors, t.pieces) for t in model.token_states(texts)]


def in_their_chunks(model: OnnxMiniLM, sentences: list[ReadSentence]) -> list[Words]:
    """Each sentence's word pieces as read in its chunk (as ingest reads them)."""
    chunks = {s.chunk.id: s.chunk for s in sentences}
    states = dict(zip(chunks, model.token_states([c.text for c in chunks.values()]), strict=True))
    out = []
    for s in sentences:
        vectors, pieces, offsets = states[s.chunk.id]
        lo, hi = s.start - s.chunk.start, s.end - s.chunk.start
        inside = [n for n, (a, b) in enumerate(offsets) if lo <= a and b <= hi and b > a]
        out.append((vectors[inside], [pieces[n] for n in inside]))
    return out


def reduced(words: Words, projection: np.ndarray | None) -> Words:
    """The states projected to fewer dimensions and stored as int8, as an index could keep
    them; unchanged without a projection."""
    vectors, pieces = words
    if projection is None or not len(vectors):
        return words
    small = vectors @ projection
    scale = np.abs(small).max(axis=1, keepdims=True) / 127.0
    stored = np.round(small / np.clip(scale, 1e-12, None)).astype(np.int8)
    back = stored.astype(np.float32) * scale
    return back / np.clip(np.linalg.norm(back, axis=1, keepdims=True), 1e-12, None), pieces


def alignment(asked: Words, read: list[Words]) -> np.ndarray:
    """(maxsim, wh, wh_gain) per sentence."""
    asked_vectors, pieces = asked
    wh = [i for i, p in enumerate(pieces) if p in WH_WORDS]
    content = [i for i, p in enumerate(pieces) if p.isalpha() and len(p) > 2 and p not in WH_WORDS]
    asked_pieces = set(pieces)
    out = np.zeros((len(read), 3), dtype=np.float32)
    for n, (states, own) in enumerate(read):
        if not len(states):
            continue
        cosines = asked_vectors @ states.T
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
    parser.add_argument(
        "--in-context", action="store_true", help="read each sentence in its chunk, as ingest does"
    )
    parser.add_argument("--dims", type=int, default=0, help="project the states to this many, int8")
    args = parser.parse_args()
    service = build_service(Settings())
    questions = [q for p in args.dev for q in load_questions(p)]
    if args.quick:
        questions = questions[::4]
    reads = collect(service, questions)
    composer = service.composer("extractive")
    read = [composer.read(r.standalone, r.passages).sentences for r in reads]
    model = OnnxMiniLM()
    projection = None
    if args.dims:
        # a fixed random orthonormal projection: nothing to fit, the same at ingest and query
        gaussian = np.random.default_rng(0).standard_normal((384, args.dims))
        projection = np.linalg.qr(gaussian)[0].astype(np.float32)
    started = time.perf_counter()
    aligned = []
    for r, sentences in zip(reads, read, strict=True):
        asked = reduced(alone(model, [r.standalone])[0], projection)
        if args.in_context:
            words = in_their_chunks(model, sentences)
        else:
            words = alone(model, [s.text for s in sentences])
        features = alignment(asked, [reduced(w, projection) for w in words])
        aligned.append(with_alignment(r, features))
    per_question = (time.perf_counter() - started) / max(1, len(reads))
    print(f"{len(reads)} questions; alignment {per_question * 1000:.0f} ms per question")
    print(f"cross-validated top-1 without alignment {cross_validated_top1(reads):.3f}")
    print(f"cross-validated top-1 with alignment    {cross_validated_top1(aligned):.3f}")


if __name__ == "__main__":
    main()
