"""Rule-based follow-up condensation: "And who leads it?" becomes a question that stands alone.

A follow-up leans on the previous question through a pronoun ("it", "they", "there"), a leading
"and"/"what about", or by being too short to name its subject. Such a question gets the words
of the previous (itself condensed) question that it lacks, and only those its pronouns stand
for: a follow-up that names its own people ("What did the Tories say about it?") takes the
topic, not the previous names; one that asks about a person ("What did he say next?") takes
the names, not the topic; otherwise it takes both. A question that names its own subject
passes through unchanged. Every follow-up, condensed or not, is also searched with the
conversation's words (`conversation_query`: the earlier questions' and the previous answer's;
bot/answer.py interleaves the two searches), so that its story is found when it does follow
on, and a question that changes the subject still finds its own.
"""

from __future__ import annotations

import re

from bot.composers import DECLINE_OPENINGS
from bot.models import Turn
from index.words import is_stopword
from index.words import tokens as words

_BACK_REFERENCE = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|he|him|his|she|her|hers|this|these|those|"
    r"there|the same|the company|the firm|the group|the deal|the country|the talks)\b",
    re.IGNORECASE,
)
_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers)\b", re.IGNORECASE)
_LEADING_LINK = re.compile(r"^\s*(and|but|so|also|then|plus)\b[\s,]*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^\s*(what|how)\s+about\s+(?P<subject>.+?)[\s?.!]*$", re.IGNORECASE)
# "Different topic: …", "Switching to rugby: …", "On another note, …": the question
# announces that it leaves the conversation's subject (the words after "switching to" stay:
# they name the new one)
_NEW_SUBJECT = re.compile(
    r"^\s*(?:"
    r"(?:a\s+)?(?:different|unrelated|separate)\s+\w+(?:\s*[:,.]|\s+[-–—])"
    r"|(?:another|a\s+new|new|other)\s+(?:topic|subject|story|matter)(?:\s*[:,.]|\s+[-–—])"
    r"|(?:let'?s\s+)?(?:changing|change|switching|switch|moving|turning)\s+(?:the\s+)?"
    r"(?:topics?|subjects?|gears)\b[\s:,.\-–—]*"
    r"|on\s+(?:a\s+|an\s+)?(?:different|another|other|unrelated|separate)\s+"
    r"(?:note|topic|subject|matter)\b[\s:,.\-–—]*"
    r"|(?:switching|moving|turning)\s+(?:over\s+|on\s+)?to\b"
    r"|now\s+(?:on|about|to|for)\b"
    r")\s*",
    re.IGNORECASE,
)
_QUESTION_WORDS = frozenset(
    ["what", "when", "where", "who", "whom", "whose", "which", "why", "how"]
)
MAX_TOPIC = 6  # topic words a follow-up that names its own subject takes from earlier turns
MAX_ANSWER_WORDS = 6  # key words of the previous answer searched beside a follow-up
MIN_OWN_WORDS = 3  # a question with fewer key words than this cannot name its own subject


def condense_question(question: str, history: list[Turn]) -> str:
    """The question rewritten to stand alone, using the previous turns when it leans on them."""
    question = question.strip()
    if not history:
        return question
    previous = condense_question(history[-1].question, history[:-1])
    about = _WHAT_ABOUT.match(question)
    if about:
        return _swap_subject(previous, about.group("subject"))
    if not leans_on_context(question):
        return question
    own = {w.lower() for w in words(question)}
    topic = " ".join(t.question for t in reversed(history))  # the latest turn's words first
    carried = [w for w in _carried(question, previous, topic) if w.lower() not in own]
    core = _LEADING_LINK.sub("", question)
    core = core[:1].upper() + core[1:]
    return f"{core} {' '.join(carried)}".strip() if carried else core


def new_subject(question: str) -> str | None:
    """The question without its announcement when it announces a new subject ("Different
    topic: how much did the German economy grow?" asks "how much did the German economy
    grow?", "Switching to rugby: why …" asks "rugby: why …"); None when it does not, when
    nothing is left, or when what is left still leans on the conversation through a pronoun
    ("Different question: what did he say next?"). Such a question starts afresh: the earlier
    turns are not carried."""
    found = _NEW_SUBJECT.match(question)
    if found is None:
        return None
    rest = question[found.end() :].strip()
    if not rest or _BACK_REFERENCE.search(rest):
        return None  # "Different question: what did *he* say next?" still follows on
    return rest[:1].upper() + rest[1:]


def conversation_query(question: str, history: list[Turn]) -> str | None:
    """The conversation's words, to search beside a follow-up (bot/answer.py interleaves the
    two searches, the follow-up's own first): up to `MAX_TOPIC` key words of the earlier
    questions (the latest turn's first), then up to `MAX_ANSWER_WORDS` of the previous
    answer's (its quotes name the story: "What did the farmers' union make of the package?"
    after an answer on French wine aid), leaving out words `question` already has. `question`
    is the follow-up as it will be read: condensed when it leaned on the conversation. None
    for a first question, or when nothing would be added. Measured on labelled follow-ups
    (docs/benchmarks.md, sessions 14 and 15)."""
    question = question.strip()
    if not history:
        return None
    own = {w.lower() for w in words(question)}
    earlier = " ".join(t.question for t in reversed(history))
    answer = history[-1].answer
    said = [] if answer.startswith(DECLINE_OPENINGS) else _key_words(answer)[:MAX_ANSWER_WORDS]
    wanted = dict.fromkeys([*_key_words(earlier)[:MAX_TOPIC], *said])
    carried = [w for w in wanted if w.lower() not in own]
    return f"{question} {' '.join(carried)}" if carried else None


def leans_on_context(question: str) -> bool:
    """Whether the question needs the conversation to be understood."""
    if _LEADING_LINK.match(question) or _BACK_REFERENCE.search(question):
        return True
    return len(_key_words(question)) < MIN_OWN_WORDS and not _names(question)


def _carried(question: str, previous: str, earlier: str) -> list[str]:
    """The words that this follow-up's pronouns stand for: from the previous question (made
    to stand alone), or for a topic ("it") from all earlier questions, latest first."""
    if _names(question):  # its own subject: carry the topic
        earlier_names = set(_names(earlier))
        return [w for w in _key_words(earlier) if w not in earlier_names][:MAX_TOPIC]
    key = _key_words(previous)
    names = set(_names(previous))
    if _PERSON_PRONOUN.search(question) and names:
        return [w for w in key if w in names]  # "he", "she": carry the people
    return key


def _key_words(text: str) -> list[str]:
    seen: set[str] = set()
    kept = []
    for word in words(text):
        lower = word.lower()
        if is_stopword(word) or lower in _QUESTION_WORDS or lower in seen or len(word) < 2:
            continue
        seen.add(lower)
        kept.append(word)
    return kept


def _names(text: str) -> list[str]:
    """Capitalised words past the first: the proper names a question mentions."""
    return [w for w in words(text)[1:] if w[:1].isupper()]


def _swap_subject(previous: str, subject: str) -> str:
    """ "What about Germany?" after a question on France: the old question, last name swapped."""
    tokens = previous.rstrip("?.! ").split()
    names = [i for i, t in enumerate(tokens) if i > 0 and t[:1].isupper()]
    if not names:
        return f"{' '.join(tokens)} {subject}?"
    last = names[-1]
    first = last
    while first - 1 in names:  # a multi-word name: "South Korea"
        first -= 1
    return " ".join([*tokens[:first], subject, *tokens[last + 1 :]]) + "?"
