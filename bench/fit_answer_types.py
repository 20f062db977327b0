"""Fit the answer-type model (bot/reading/answer_types.py) on the dev writers' own labels.

Every labelled dev question with a "type" ("percentage" counts as "number", as the reader
types it) is parsed by spaCy, and its cues (question.py's `type_cues`, the rules' own type
among them) feed a multinomial logistic regression, L2-penalised, its strength chosen by
5-fold cross-validation grouped by article (questions on one article never sit on both
sides). Prints how often the rules alone and the model agree with the writers, then writes
the model fitted on all of dev. Test questions are never read.

    python bench/fit_answer_types.py eval/bbc-dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.reading.answer_types import PARAMETERS, AnswerType, AnswerTypeModel
from bot.reading.question import ruled_type, type_cues
from index.entities import parser_model

STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # C: the inverse L2 strength, as in scikit-learn
FOLDS = 5
MIN_COUNT = 2  # cues seen fewer times on dev are left out
LABELS = {"percentage": "number"}  # the writers' labels the reader folds into another type


def labelled(paths: list[Path]) -> list[tuple[str, str, str]]:
    """(question, type, article) for every dev question with a type."""
    rows = []
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("type"):
                label = LABELS.get(record["type"], record["type"])
                article = record.get("article") or (record.get("sources") or [record["q"]])[0]
                rows.append((" ".join(record["q"].split()), AnswerType(label).value, article))
    return rows


def fit(cues: list[list[str]], labels: list[str], c: float) -> AnswerTypeModel:
    types = tuple(AnswerType)
    counts = Counter(cue for row in cues for cue in set(row))
    vocabulary = sorted(cue for cue, n in counts.items() if n >= MIN_COUNT)
    column = {cue: i for i, cue in enumerate(vocabulary)}
    bias = len(vocabulary)  # the last column: always 1, not penalised
    cells = [(i, column[cue]) for i, row in enumerate(cues) for cue in set(row) if cue in column]
    cells += [(i, bias) for i in range(len(cues))]
    rows, columns = zip(*cells, strict=True)
    x = csr_matrix((np.ones(len(cells)), (rows, columns)), shape=(len(cues), bias + 1))
    y = np.zeros((len(labels), len(types)))
    y[np.arange(len(labels)), [types.index(AnswerType(label)) for label in labels]] = 1.0
    penalty = np.ones((x.shape[1], 1))
    penalty[-1] = 0.0

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(x.shape[1], len(types))
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -np.sum(y * log_p) + 0.5 / c * np.sum(penalty * w * w)
        grad = x.T @ (np.exp(log_p) - y) + penalty * w / c
        return float(value), grad.ravel()

    start = np.zeros(x.shape[1] * len(types))
    w = minimize(loss, start, jac=True, method="L-BFGS-B").x.reshape(x.shape[1], len(types))
    return AnswerTypeModel(types, {cue: w[i] for cue, i in column.items()}, w[-1], c)


def folds_of(articles: list[str]) -> list[int]:
    """Each question's fold, by its article (sorted, dealt round-robin)."""
    order = {a: i % FOLDS for i, a in enumerate(sorted(set(articles)))}
    return [order[a] for a in articles]


@dataclass(frozen=True)
class Parsed:
    """The labelled dev questions as the model sees them."""

    texts: list[str]
    cues: list[list[str]]
    ruled: list[str]  # the rules' own type
    labels: list[str]
    folds: list[int]  # by article


def parse(paths: list[Path]) -> Parsed:
    rows = labelled(paths)
    nlp = parser_model()
    cues, ruled = [], []
    for text, _, _ in rows:
        doc = nlp(text)
        rule, _ = ruled_type(doc)
        ruled.append(rule.value)
        cues.append(type_cues(doc, rule))
    texts = [text for text, _, _ in rows]
    labels = [label for _, label, _ in rows]
    return Parsed(texts, cues, ruled, labels, folds_of([article for _, _, article in rows]))


def fold_models(parsed: Parsed, c: float) -> list[AnswerTypeModel]:
    """One model per fold, each fitted on the other folds' questions (other articles)."""
    models = []
    for k in range(FOLDS):
        inside = [i for i, f in enumerate(parsed.folds) if f != k]
        models.append(fit([parsed.cues[i] for i in inside], [parsed.labels[i] for i in inside], c))
    return models


def out_of_fold(parsed: Parsed, c: float) -> list[str]:
    """Each question's type by the model fitted on the other folds."""
    models = fold_models(parsed, c)
    return [models[f].predict(cues) for f, cues in zip(parsed.folds, parsed.cues, strict=True)]


def choose_strength(parsed: Parsed) -> float:
    best_c, best = STRENGTHS[0], -1.0
    for c in STRENGTHS:
        found = out_of_fold(parsed, c)
        share = np.mean([f == label for f, label in zip(found, parsed.labels, strict=True)])
        print(f"  C={c:<5} the model agrees for {share:.1%} (cross-validated, by article)")
        if share > best:
            best_c, best = c, float(share)
    return best_c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=PARAMETERS)
    args = parser.parse_args()
    parsed = parse(args.dev)
    agree = np.mean([r == label for r, label in zip(parsed.ruled, parsed.labels, strict=True)])
    print(
        f"{len(parsed.texts)} labelled dev questions; "
        f"the rules agree with the writers for {agree:.1%}"
    )
    c = choose_strength(parsed)
    model = fit(parsed.cues, parsed.labels, c)
    model.save(args.out)
    print(f"C={c}: {len(model.weights)} cues, written to {args.out}")


if __name__ == "__main__":
    main()
