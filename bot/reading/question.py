"""What a question asks for: its answer type, content terms, names and numbers.

The answer type comes from spaCy's dependency parse of the question: the wh-word, and the
noun it asks about ("Which *firm* …", "What is the *name* of the *film* …"), looked up in
the word lists below. The lists map nouns to the entity labels spaCy's NER gives answers.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from spacy.matcher import Matcher

from index.entities import parser_model
from index.words import content_terms, is_stopword, stem, word_set


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


# Names of any kind: spaCy's small model often gives a name the wrong one of these labels.
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"}
)
NAMED_TYPES = frozenset({"person", "organisation", "place", "work", "event"})

# The spaCy NER labels that can answer each type.
ENTITY_LABELS: dict[AnswerType, frozenset[str]] = {
    AnswerType.PERSON: frozenset({"PERSON"}),
    AnswerType.ORGANISATION: frozenset({"ORG"}),
    AnswerType.PLACE: frozenset({"GPE", "LOC", "FAC"}),
    AnswerType.DATE: frozenset({"DATE", "TIME"}),
    AnswerType.MONEY: frozenset({"MONEY"}),
    AnswerType.NUMBER: frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY", "ORDINAL"}),
    AnswerType.WORK: frozenset({"WORK_OF_ART", "PRODUCT", "EVENT"}),
    AnswerType.EVENT: frozenset({"EVENT", "WORK_OF_ART"}),
}
ENTITY_TYPES = tuple(ENTITY_LABELS)


def _nouns(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in text.split())


# Nouns a question asks about, by the type of answer they want.
_NOUN_TYPES: list[tuple[frozenset[str], AnswerType]] = [
    (
        _nouns("""person man woman people minister secretary chancellor president premier leader
        chief executive boss chairman chairwoman head director founder owner manager coach
        player striker midfielder defender goalkeeper captain winger forward batsman bowler
        athlete sprinter runner champion actor actress singer star artist musician writer
        author novelist comedian presenter host judge lawyer spokesman spokeswoman official
        mp peer lord analyst economist governor candidate successor predecessor replacement
        rival opponent referee chef designer producer rapper drummer guitarist
        member winner dj half scorer nominee son daughter wife husband father mother brother sister
        journalist editor reporter politician monarch king queen prince princess pope
        professor banker frontbencher backbencher attorney lock prop hooker scrum-half
        fly-half centre wing jockey trainer driver rider cyclist golfer boxer swimmer
        scientist researcher expert doctor chancellor envoy ambassador diplomat general"""),
        AnswerType.PERSON,
    ),
    (
        _nouns("""firm company group organisation organization club team side bank party band
        network retailer airline carrier broadcaster channel station website site agency union
        body regulator supplier maker manufacturer operator publisher studio label brand
        newspaper paper magazine journal charity university school committee council authority
        government department ministry institute association federation giant rival partner
        buyer investor insurer lender developer provider chain store shop business"""),
        AnswerType.ORGANISATION,
    ),
    (
        _nouns("""country city town place region nation state venue stadium ground area county
        capital island continent location village province district street slum suburb
        neighbourhood resort port airport prison hospital court theatre cinema"""),
        AnswerType.PLACE,
    ),
    (_nouns("reason cause motive explanation purpose"), AnswerType.REASON),
    (
        _nouns("year date day month time season week decade century birthday anniversary"),
        AnswerType.DATE,
    ),
    (
        _nouns("""price cost amount fee sum salary wage fine budget payment pay value worth
        revenue revenues profit profits loss losses sales turnover debt deal bonus prize
        money funding investment bill compensation damages tax"""),
        AnswerType.MONEY,
    ),
    (
        _nouns("""number percentage per cent share rate proportion score figure total count
        margin majority lead height weight speed distance age population capacity size
        attendance tally record time points goals votes seats"""),
        AnswerType.NUMBER,
    ),
    (
        _nouns("""film movie book novel album song single track show series programme program
        sitcom drama game play musical title novelisation documentary opera comic
        comedy thriller remake sequel biopic cartoon animation poem report"""),
        AnswerType.WORK,
    ),
    (
        _nouns("""event tournament competition award prize championship race cup festival
        ceremony contest match final election"""),
        AnswerType.EVENT,
    ),
]
_HOW_NUMBER = word_set("much many long big large old far high low fast tall heavy often")
_MONEY_VERBS = _nouns(
    "pay paid cost costs spend spent worth raise raised earn earned charge money loss profit"
    " value valued fine fined price sold sell bid offer"
)
_AUXILIARIES = word_set(
    "is are was were do does did has have had will would can could should may might must"
)


@dataclass(frozen=True)
class Question:
    """A question, analysed once per answer."""

    text: str
    answer_type: AnswerType
    terms: frozenset[str]  # stems of its content words
    names: frozenset[str]  # stems of its proper names: what the answer's article must mention
    numbers: frozenset[str]  # numbers and years it states ("2004", "3")
    focus: frozenset[str]  # stems of the noun it asks about ("firm"), if any
    verbs: frozenset[str]  # stems of its main verbs ("won", "introduced"), auxiliaries aside
    asks_outcome: bool = False  # "eventually", "ended up", "went on to": how a story ended


def analyse(question: str) -> Question:
    return _analyse(" ".join(question.split()))


class PreparedQuestions:
    """Questions analysed ahead, on a worker thread, while their passages are retrieved:
    spaCy's parse (~5 ms) overlaps the embedding model's run and Chroma's query, which
    release the GIL. `get` waits only for a parse already running; one still queued (behind
    another request's) is cancelled and done at once instead."""

    # prepared questions never asked for (nothing was retrieved; the question read differs: a
    # date taken out, a name mended) are dropped after this many
    KEPT = 64

    def __init__(self, pool: Executor | None = None) -> None:
        self._pool = pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="question-parse")
        self._pending: dict[str, Future[Question]] = {}
        self._lock = threading.Lock()

    def prepare(self, question: str) -> None:
        with self._lock:
            if question not in self._pending:
                try:
                    self._pending[question] = self._pool.submit(analyse, question)
                except RuntimeError:  # closed: `get` will parse it
                    return
            while len(self._pending) > self.KEPT:
                self._pending.pop(next(iter(self._pending))).cancel()

    def __len__(self) -> int:
        """How many prepared questions wait to be asked for."""
        with self._lock:
            return len(self._pending)

    def close(self) -> None:
        """Stop the worker; questions still queued are dropped (a later `get` parses them)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def get(self, question: str) -> Question:
        with self._lock:
            pending = self._pending.pop(question, None)
        if pending is not None and not pending.cancel():
            return pending.result()
        return analyse(question)


@lru_cache(maxsize=4096)
def _analyse(text: str) -> Question:
    doc = parser_model()(text)
    answer_type, focus = _answer_type(doc)
    # a name's terms as an article's are made ("Paypal.com" is "paypal" and "com", "ITV1" is
    # "itv"): a name kept whole, as spaCy keeps it, is never found among them
    names = frozenset(
        term
        for t in doc
        if (t.pos_ == "PROPN" or (t.text[:1].isupper() and t.i > 0))
        and not is_stopword(t.text)
        and len(t.text) > 1
        for term in content_terms(t.text)
    )
    numbers = frozenset(t.text.replace(",", "") for t in doc if t.like_num and t.text[:1].isdigit())
    verbs = frozenset(
        stem(t.text)
        for t in doc
        if t.pos_ == "VERB" and not is_stopword(t.text) and len(t.text) > 2
    )
    asks_outcome = bool(_outcome_matcher()(doc))
    return Question(
        text, answer_type, content_terms(text), names, numbers, focus, verbs, asks_outcome
    )


# Words asking how a story ended. Near-misses that ask about what happened after the archive
# ends lean on them ("Did the bid eventually succeed?", "Who ended up buying the club?"):
# on bbc-dev 43 unanswerable questions hold one, 10 answerable ones.
_OUTCOME_PATTERNS: list[list[dict[str, Any]]] = [
    [{"LOWER": {"IN": ["eventually", "finally", "ultimately", "subsequently"]}}],
    [{"LOWER": {"IN": ["end", "ends", "ended", "ending"]}}, {"LOWER": "up"}],
    [{"LOWER": {"IN": ["go", "goes", "went", "gone", "going"]}}, {"LOWER": "on"}, {"LOWER": "to"}],
    [{"LOWER": "in"}, {"LOWER": "the"}, {"LOWER": "end"}],
]


_matcher_lock = threading.Lock()


def _outcome_matcher() -> Matcher:
    with _matcher_lock:
        return _built_outcome_matcher()


@cache
def _built_outcome_matcher() -> Matcher:
    matcher = Matcher(parser_model().vocab)
    matcher.add("OUTCOME", _OUTCOME_PATTERNS)
    return matcher


def _answer_type(doc: Any) -> tuple[AnswerType, frozenset[str]]:
    tokens = [t for t in doc if not t.is_punct]
    if not tokens:
        return AnswerType.WHAT, frozenset()
    if tokens[0].lower_ in _AUXILIARIES:
        return AnswerType.YESNO, frozenset()
    wh = next((t for t in tokens if t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
    if wh is None:
        return AnswerType.WHAT, frozenset()
    word = wh.lower_
    if word in ("who", "whom", "whose"):
        return AnswerType.PERSON, frozenset()
    if word == "when":
        return AnswerType.DATE, frozenset()
    if word == "where":
        return AnswerType.PLACE, frozenset()
    if word == "why":
        return AnswerType.REASON, frozenset()
    if word == "how":
        after = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if after is not None and after.lower_ in _HOW_NUMBER:
            if after.lower_ in ("much", "big", "large") and _asks_money(doc):
                return AnswerType.MONEY, frozenset()
            if after.lower_ in ("long", "often"):
                return AnswerType.DATE if _mentions(doc, "ago") else AnswerType.NUMBER, frozenset()
            return AnswerType.NUMBER, frozenset()
        return AnswerType.WHAT, frozenset()
    for noun in _asked_nouns(doc, wh):
        found = _noun_type(noun)
        if found is not None:
            return found, frozenset({stem(noun.text)})
    return AnswerType.WHAT, frozenset()


def _asked_nouns(doc: Any, wh: Any) -> list[Any]:
    """The nouns the wh-word asks about, nearest first: "which firm", "what is the name of
    the film", "what percentage of …"."""
    nouns = []
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        nouns.append(wh.head)
    for token in doc[wh.i + 1 :]:
        if token.pos_ == "VERB" and token.dep_ not in ("amod", "compound"):
            break
        if token.pos_ == "NOUN":
            nouns.append(token)
    return nouns


def _noun_type(noun: Any) -> AnswerType | None:
    stemmed = stem(noun.text)
    if stemmed in ("name", "nam"):
        return None
    for vocabulary, answer_type in _NOUN_TYPES:
        if stemmed in vocabulary:
            return answer_type
    return None


def _asks_money(doc: Any) -> bool:
    return any(stem(t.text) in _MONEY_VERBS or t.text in ("£", "$", "€") for t in doc)


def _mentions(doc: Any, word: str) -> bool:
    return any(t.lower_ == word for t in doc)
