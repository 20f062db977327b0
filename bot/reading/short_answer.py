"""The span that answers: an entity of the asked type that the question does not name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reading.features import asked_entities, e_text, gap_to_words
from bot.reading.question import Question
from bot.reading.sentences import ReadSentence

# spaCy splits a score or a vote at its hyphen ("a 2-1 decision" tags "2" alone): the short
# answer takes the whole of it
_SCORE_BEFORE = re.compile(r"\d+\s?[-–]\s?$")
_SCORE_AFTER = re.compile(r"^\s?[-–]\s?\d+")


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets into the article text
    end: int


def short_answer(question: Question, sentence: ReadSentence) -> Span | None:
    """The entity of the asked type, not named by the question, that sits nearest the words
    the sentence shares with the question ("… Steven Gerrard *scored* …" for "Who scored?")."""
    found = asked_entities(question, sentence)
    if not found:
        return None
    stems = question.terms | question.verbs
    gaps = {e: gap_to_words(sentence, e, stems) for e in found}
    # no word shared with the question: every gap is None, and the first entity answers
    best = min(found, key=lambda e: gaps[e] or 0) if gaps[found[0]] is not None else found[0]
    span = Span(e_text(sentence, best), best.start, best.end)
    return _whole_score(sentence, _whole_words(sentence, span))


def _whole_words(sentence: ReadSentence, span: Span) -> Span:
    """The span widened to the words it cuts: spaCy tags "£550" in "£550m" and "1.35" in
    "1.35km", and a short answer of "£550" would misstate the sum."""
    text = sentence.text
    start, end = span.start - sentence.start, span.end - sentence.start
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return Span(text[start:end], sentence.start + start, sentence.start + end)


def _whole_score(sentence: ReadSentence, span: Span) -> Span:
    """The span widened over the rest of a score or vote it is part of ("2" → "2-1")."""
    if not span.text[:1].isdigit() or not span.text[-1:].isdigit():
        return span
    start, end = span.start - sentence.start, span.end - sentence.start
    if before := _SCORE_BEFORE.search(sentence.text[:start]):
        start = before.start()
    if after := _SCORE_AFTER.match(sentence.text[end:]):
        end += after.end()
    return Span(sentence.text[start:end], sentence.start + start, sentence.start + end)
