"""Which kind of answer a question asks for, as people who write questions label them.

question.py's rules read the parse (the wh-word and the noun it asks about, looked up in word
lists) and agree with the dev writers' own labels for 82 % of their questions: "How much did
it cost?" is a sum, not a count; "What is the name of the man who …" asks for a person. This
multinomial logistic model takes the rules' type among its cues, with the wh-word, the words
around it, the nouns it asks about and the currency and percent signs, and agrees for 90 %
(bench/fit_answer_types.py, 5 folds grouped by article). Its weights are fitted on
eval/bbc-dev.jsonl's labels only and kept beside this file (`answer_types.json`); without
that file the rules decide alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PARAMETERS = Path(__file__).with_name("answer_types.json")


@dataclass(frozen=True, eq=False)
class AnswerTypeModel:
    """Scores each answer type as the sum of its cues' weights, plus a bias."""

    types: tuple[str, ...]
    weights: dict[str, np.ndarray]  # cue -> one weight per type
    bias: np.ndarray

    def scores(self, cues: Iterable[str]) -> np.ndarray:
        total = self.bias.copy()
        for cue in set(cues):
            found = self.weights.get(cue)
            if found is not None:
                total += found
        return total

    def predict(self, cues: Iterable[str]) -> str:
        return self.types[int(np.argmax(self.scores(cues)))]

    def save(self, path: Path) -> None:
        def numbers(row: np.ndarray) -> str:
            return json.dumps([round(float(x), 3) for x in row])

        cues = ",\n".join(
            f"{json.dumps(cue)}: {numbers(row)}" for cue, row in sorted(self.weights.items())
        )
        path.write_text(
            f'{{"types": {json.dumps(list(self.types))},\n"bias": {numbers(self.bias)},\n'
            f'"weights": {{\n{cues}\n}}}}\n'
        )

    @classmethod
    def load(cls, path: Path) -> AnswerTypeModel:
        record = json.loads(path.read_text())
        types = tuple(str(t) for t in record["types"])
        weights = {
            str(cue): np.asarray(row, dtype=np.float64) for cue, row in record["weights"].items()
        }
        bias = np.asarray(record["bias"], dtype=np.float64)
        if bias.shape != (len(types),) or any(w.shape != bias.shape for w in weights.values()):
            raise ValueError(f"{path}: every row needs one weight per answer type")
        return cls(types, weights, bias)


@lru_cache(maxsize=1)
def fitted_answer_types() -> AnswerTypeModel | None:
    """The shipped model, or None when its file is missing (the rules decide alone)."""
    return AnswerTypeModel.load(PARAMETERS) if PARAMETERS.exists() else None
