"""Sentence spans of normalised article text, as (start, end) offsets into that text."""

from __future__ import annotations

import re

# Words that end with a full stop without ending the sentence ("Mr. Smith", "U.S. forces").
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sen",
        "rep",
        "gen",
        "gov",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "plc",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "nos",
        "vol",
        "fig",
        "approx",
        "est",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "d.c",
        "a.m",
        "p.m",
    ]
)

QUOTE_MAX_WORDS = 60  # a list introduction keeps items only while the quote stays this short
LIST_ITEMS = 4  # list items kept after a sentence that ends with a colon

# A candidate end: terminal punctuation, optional closing quotes/brackets, then whitespace.
_CANDIDATE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9£$€]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&.-]*[A-Za-z0-9]|[A-Za-z0-9]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split at sentence ends and at every line break; spans carry no edge whitespace."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _line_sentences(line))
        offset += len(line) + 1
    return spans


def words(text: str) -> list[str]:
    """The words of a text ("it's", "U.S." and "3.5" count as one each)."""
    return _WORD.findall(text)


def quotable_spans(text: str) -> list[tuple[int, int]]:
    """The spans an answer may quote: sentences, where one that introduces a list
    ("… demands, including:") takes the items after it, since on its own it says nothing."""
    spans = sentence_spans(text)
    quotable = []
    for i, (start, end) in enumerate(spans):
        if text[start:end].endswith(":"):
            end = _list_end(text, spans, i)
        quotable.append((start, end))
    return quotable


def _list_end(text: str, spans: list[tuple[int, int]], intro: int) -> int:
    """Where the list introduced by sentence `intro` ends: a few items, within the word budget."""
    start, end = spans[intro]
    for _, item_end in spans[intro + 1 : intro + 1 + LIST_ITEMS]:
        if len(words(text[start:item_end])) > QUOTE_MAX_WORDS:
            break
        end = item_end
    return end


def _line_sentences(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = _skip_space(line, 0)
    for match in _CANDIDATE_END.finditer(line):
        end = match.end()
        if start >= end or not _ends_sentence(line, match.start(), end):
            continue
        spans.append((start, end))
        start = _skip_space(line, end)
    if start < len(line.rstrip()):
        spans.append((start, len(line.rstrip())))
    return spans


def _ends_sentence(line: str, punct_at: int, end: int) -> bool:
    if not _NEXT_STARTS_SENTENCE.match(line, end):
        return False
    if line[punct_at] != ".":
        return True
    word_start = line.rfind(" ", 0, punct_at) + 1
    word = line[word_start:punct_at].lower().lstrip("\"'“‘([")
    is_initial = len(word) == 1 and word.isalpha()
    return word not in ABBREVIATIONS and not is_initial


def _skip_space(line: str, i: int) -> int:
    while i < len(line) and line[i].isspace():
        i += 1
    return i
