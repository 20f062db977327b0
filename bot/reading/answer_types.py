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
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import numpy as np

PARAMETERS = Path(__file__).with_name("answer_types.json")


class AnswerType(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    MONEY = "money"
    NUMBER = "number"  # counts, amounts, scores, percentages
    WORK = "work"  # the title of a film, book, album, programme, game
    EVENT = "event"
    YESNO = "yesno"
    REASON = "reason"
    WHAT = "what"  # what happened, what was said: a statement, not an entity


@dataclass(frozen=True, eq=False)
class AnswerTypeModel:
    """Scores each answer type as the sum of its cues' weights, plus a bias."""

    types: tuple[AnswerType, ...]
    weights: dict[str, np.ndarray]  # cue -> one weight per type
    bias: np.ndarray
    strength: float  # the L2 strength (C) it was fitted with, chosen by cross-validation

    def scores(self, cues: Iterable[str]) -> np.ndarray:
        total = self.bias.copy()
        for cue in set(cues):
            found = self.weights.get(cue)
            if found is not None:
                total += found
        return total

    def predict(self, cues: Iterable[str]) -> AnswerType:
        return self.types[int(np.argmax(self.scores(cues)))]

    def save(self, path: Path) -> None:
        def numbers(row: np.ndarray) -> str:
            return json.dumps([round(float(x), 3) for x in row])

        cues = ",\n".join(
            f"{json.dumps(cue)}: {numbers(row)}" for cue, row in sorted(self.weights.items())
        )
        types = json.dumps([t.value for t in self.types])
        path.write_text(
            f'{{"types": {types},\n"strength": {self.strength},\n'
            f'"bias": {numbers(self.bias)},\n"weights": {{\n{cues}\n}}}}\n'
        )

    @classmethod
    def load(cls, path: Path) -> AnswerTypeModel:
        """The model saved at `path`; ValueError, naming the file, if it is not one."""
        try:
            record = json.loads(path.read_text())
            types = tuple(AnswerType(t) for t in record["types"])
            weights = {
                str(cue): np.asarray(row, dtype=np.float64)
                for cue, row in record["weights"].items()
            }
            bias = np.asarray(record["bias"], dtype=np.float64)
            strength = float(record["strength"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{path} is not an answer-type model: {error}") from error
        if bias.shape != (len(types),) or any(w.shape != bias.shape for w in weights.values()):
            raise ValueError(f"{path}: every row needs one weight per answer type")
        return cls(types, weights, bias, strength)


@lru_cache(maxsize=1)
def fitted_answer_types() -> AnswerTypeModel | None:
    """The shipped model, or None when its file is missing (the rules decide alone). A file
    that is there but unreadable raises ValueError: the extractive composer loads it when it
    is built, so a broken install fails at start, not on every question."""
    return AnswerTypeModel.load(PARAMETERS) if PARAMETERS.exists() else None
