"""Cheap lexical cues about a question and a candidate sentence: key terms, what is asked for."""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from index.sentences import words

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be been before being below between
both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours out over own same she should so some
such than that the their theirs them themselves then there these they this those through to too
under until up very was we were what when where which while who whom whose why will with would you
your yours also said says say according told tell new news article archive report reported much
many anything something thing things know happen happened latest kind get got one ones
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

STEM_CHARS = 6  # words sharing their first six letters count as the same term (crude but robust)


class Expect(Enum):
    """The kind of thing a question asks for, judged from its wording."""

    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"
    NONE = "none"


_EXPECT_RULES: list[tuple[re.Pattern[str], Expect]] = [
    (re.compile(r"\bhow (much|many|big|large|far|long|old|high|low)\b|\bwhat (is |was |are |"
                r"were )?(the )?(percentage|share|proportion|price|cost|amount|figure|number|"
                r"rate|sum|total|value|size|population)\b", re.I),
     Expect.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year|month)\b",
                re.I), Expect.DATE),
    (re.compile(r"\bwho(m|se)?\b|\bwhich (person|official|minister|president|leader|executive|"
                r"boss|chief|man|woman)\b|\bwhich (\w+ )?\w+(er|or|ist)\b", re.I), Expect.PERSON),
    (re.compile(r"\bwhere\b|\bwhat (city|country|place|venue|town|region)\b|\bwhich (city|"
                r"country|place|venue|town|region)\b|\bin which (city|country)\b", re.I),
     Expect.PLACE),
]  # fmt: skip

_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(\d{{1,2}} ({_MONTHS})|({_MONTHS}) \d{{1,2}}|(19|20)\d\d|(Monday|Tuesday|Wednesday|"
    rf"Thursday|Friday|Saturday|Sunday)|yesterday|today|tomorrow|last (week|month|year)|"
    rf"next (week|month|year)|this (week|month|year)|({_MONTHS}))\b"
)
_NUMBER = re.compile(
    r"[£$€¥]\s?\d|\d[\d,.]*\s?(%|per ?cent|bn|m\b|million|billion|trillion)|\b\d[\d,.]*\b|"
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|dozen|half|quarter)\b",
    re.I,
)
_TITLES = re.compile(
    r"\b(Mr|Mrs|Ms|Dr|Sir|Lord|President|Minister|Secretary|Chancellor|Prime Minister|"
    r"chief executive|chairman|chairwoman|boss|head|director|spokesman|spokeswoman|leader|"
    r"envoy|ambassador|founder|governor|analyst|economist)\b",
    re.I,
)
_YEAR = re.compile(r"(19|20)\d\d")  # a year is not an amount
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ](?:[A-Z][a-z]+|de|van|von|al))*\s[A-Z][a-z]+\b")
_PLACE = re.compile(r"\b(in|at|to|from|near|across|throughout)\s(the\s)?[A-Z][a-z]+")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    word = word.lower().strip(".'’-").removesuffix("'s").removesuffix("’s")
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_CHARS]


@lru_cache(maxsize=65_536)
def key_terms(text: str) -> frozenset[str]:
    """Stemmed content words: what a sentence must mention to be about the question."""
    return frozenset(stem(w) for w in words(text) if w.lower() not in STOPWORDS and len(w) > 1)


def name_terms(question: str) -> set[str]:
    """Stemmed proper names of a question ("Tesco", "iPhone", "BA"): capitalised past the first
    word, or with a capital inside; an answer's passage should mention every one of them."""
    names = set()
    for i, word in enumerate(words(question)):
        capitalised = word[:1].isupper() and (i > 0 or word.lower() not in STOPWORDS)
        if (capitalised or any(ch.isupper() for ch in word[1:])) and word.lower() not in STOPWORDS:
            names.add(stem(word))
    return names


def expected_answer(question: str) -> Expect:
    for pattern, expect in _EXPECT_RULES:
        if pattern.search(question):
            return expect
    return Expect.NONE


def supplies(sentence: str, expect: Expect, question: str) -> bool:
    """Whether the sentence holds the kind of thing asked for, beyond what the question says."""
    if expect is Expect.NONE:
        return False
    asked = question.lower()
    if expect is Expect.DATE:
        return any(m.group(0).lower() not in asked for m in _DATE.finditer(sentence))
    if expect is Expect.NUMBER:
        amounts = (m.group(0) for m in _NUMBER.finditer(sentence))
        return any(a.lower() not in asked and not _YEAR.fullmatch(a) for a in amounts)
    if expect is Expect.PERSON:
        names = [m.group(0) for m in _NAME.finditer(sentence) if m.group(0).lower() not in asked]
        return bool(names) or bool(_TITLES.search(sentence) and _has_inner_capital(sentence))
    return any(m.group(0).split()[-1].lower() not in asked for m in _PLACE.finditer(sentence))


def _has_inner_capital(sentence: str) -> bool:
    return any(w[:1].isupper() for w in sentence.split()[1:])
