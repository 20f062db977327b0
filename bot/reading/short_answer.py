"""The span that answers: an entity of the asked type that the question does not name."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading.features import e_text, named_in
from bot.reading.question import ENTITY_LABELS, Question
from bot.reading.sentences import ReadSentence


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets into the article text
    end: int


def short_answer(question: Question, sentence: ReadSentence) -> Span | None:
    """The first entity of the asked type in the sentence that the question does not name."""
    labels = ENTITY_LABELS.get(question.answer_type)
    if not labels:
        return None
    for entity in sentence.entities:
        text = e_text(sentence, entity)
        if entity.label in labels and not named_in(text, question):
            return Span(text, entity.start, entity.end)
    return None
