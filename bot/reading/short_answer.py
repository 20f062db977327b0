"""The span that answers: an entity of the asked type that the question does not name."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading.features import e_text, named_in
from bot.reading.question import ENTITY_LABELS, Question
from bot.reading.sentences import ReadSentence
from index.words import TOKEN, stem


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets into the article text
    end: int


def short_answer(question: Question, sentence: ReadSentence) -> Span | None:
    """The entity of the asked type, not named by the question, that sits nearest the words
    the sentence shares with the question ("… Steven Gerrard *scored* …" for "Who scored?")."""
    labels = ENTITY_LABELS.get(question.answer_type)
    if not labels:
        return None
    found = [
        Span(e_text(sentence, e), e.start, e.end)
        for e in sentence.entities
        if e.label in labels and not named_in(e_text(sentence, e), question)
    ]
    if not found:
        return None
    shared = [
        sentence.start + m.start()
        for m in TOKEN.finditer(sentence.text)
        if stem(m.group()) in question.terms | question.verbs
    ]
    if not shared:
        return found[0]
    return min(found, key=lambda s: min(min(abs(p - s.start), abs(p - s.end)) for p in shared))
