"""Fit the answer pointer (bot/reading/pointer.py) on labelled questions; used by tune_reader.

Each dev question gives its candidate pieces (those the question lacks, in every sentence
read) and which of them spell an answer string (`answer_any`, tokenised by the model's own
tokenizer) inside a sentence that holds the answer. The pointer's parameters maximise the
softmax likelihood of those pieces, L2-penalised (`STRENGTH`, chosen by cross-validated
top-1 of the whole reader on dev: 1.0 beat 0.01, 0.1, 3 and 1000), by L-BFGS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from bot.reading.alignment import AskedWords, WordAligner
from bot.reading.pointer import AnswerPointer, PointerQuery
from index.sentence_words import DIMENSIONS, Words

STRENGTH = 1.0
ITERATIONS = 200
START_SCALE = 10.0


@dataclass(frozen=True, eq=False)
class PointerExample:
    """One question as the pointer sees it."""

    query: PointerQuery
    pieces: np.ndarray  # candidate states, a row each
    sentence_of: np.ndarray  # each candidate's sentence (index into the sentences read)
    answer: np.ndarray  # bool per candidate: part of an answer string in an answering sentence
    sentences: int


def example(
    aligner: WordAligner,
    asked: AskedWords,
    words: Sequence[Words | None],
    answering: np.ndarray,
    answer_ids: Sequence[Sequence[int]],
) -> PointerExample:
    """The pointer's view of one question: `words` per sentence read, `answering` which of
    them hold the answer, `answer_ids` the answer strings as vocabulary ids."""
    pieces, sentence_of, answer = [], [], []
    for n, w in enumerate(words):
        if w is None or not len(w.ids):
            continue
        keep = aligner.candidates(asked, w.ids)
        spelled = np.zeros(len(w.ids), dtype=bool)
        if answering[n]:
            for ids in answer_ids:
                spelled |= _occurrences(w.ids, list(ids))
        pieces.append(w.vectors[keep])
        sentence_of.append(np.full(int(keep.sum()), n))
        answer.append(spelled[keep])
    if not pieces:
        empty = np.zeros((0, DIMENSIONS), dtype=np.float32)
        return PointerExample(asked.query, empty, np.zeros(0, int), np.zeros(0, bool), len(words))
    return PointerExample(
        asked.query,
        np.concatenate(pieces).astype(np.float32),
        np.concatenate(sentence_of),
        np.concatenate(answer),
        len(words),
    )


def _occurrences(ids: np.ndarray, wanted: list[int]) -> np.ndarray:
    found = np.zeros(len(ids), dtype=bool)
    n = len(wanted)
    for start in range(len(ids) - n + 1) if n else ():
        if ids[start : start + n].tolist() == wanted:
            found[start : start + n] = True
    return found


def fit_pointer(examples: Sequence[PointerExample], strength: float = STRENGTH) -> AnswerPointer:
    """Maximum likelihood of the answer pieces, over questions that have some."""
    used = [e for e in examples if e.answer.any()]
    d = DIMENSIONS

    def unpack(theta: np.ndarray) -> AnswerPointer:
        return AnswerPointer(
            float(theta[0]),
            theta[1 : 1 + d * d].reshape(d, d),
            theta[1 + d * d : 1 + 2 * d * d].reshape(d, d),
            theta[1 + 2 * d * d :],
        )

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = unpack(theta)
        value = 0.5 * strength * float(np.sum(theta[1:] ** 2))
        g_scale = 0.0
        g_wh, g_content, g_bias = strength * p.wh, strength * p.content, strength * p.bias
        for e in used:
            z = e.pieces @ p.direction(e.query).astype(np.float64)
            z -= z.max()
            exp = np.exp(z)
            total, on_answer = exp.sum(), exp[e.answer].sum()
            value += float(np.log(total) - np.log(on_answer))
            dz = exp / total
            dz[e.answer] -= exp[e.answer] / on_answer
            r = e.pieces.T @ dz  # d loss / d direction
            g_scale += float(r @ e.query.wh)
            g_wh += np.outer(r, e.query.wh)
            g_content += np.outer(r, e.query.content)
            g_bias += r
        grad = np.concatenate([[g_scale], g_wh.ravel(), g_content.ravel(), g_bias])
        return value / len(used), grad / len(used)

    start = np.zeros(1 + 2 * d * d + d)
    start[0] = START_SCALE
    found = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": ITERATIONS})
    fitted = unpack(np.asarray(found.x, dtype=np.float32))
    return AnswerPointer(fitted.scale, fitted.wh.copy(), fitted.content.copy(), fitted.bias.copy())


def pointer_column(pointer: AnswerPointer, e: PointerExample) -> np.ndarray:
    """The `pointer` feature of each sentence, as alignment.py computes it."""
    return pointer.feature(e.query, e.pieces, e.sentence_of, e.sentences)
