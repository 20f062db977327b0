"""What each read sentence offers a question, as numbers a fitted ranker weighs.

Every feature is in [0, 1] or [-1, 1]; `FEATURES` names them in vector order, and the
ranker's weights (bot/reading/ranker.py) are fitted in that order by bench/tune_reader.py.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from bot.reading.alignment import ALIGNMENT
from bot.reading.matching import Match, chained, match_sentences
from bot.reading.question import (
    ENTITY_LABELS,
    ENTITY_TYPES,
    NAME_LABELS,
    NAMED_TYPES,
    AnswerType,
    Question,
)
from bot.reading.sentences import ReadSentence
from index.entities import Entity
from index.words import Wording, content_terms, stem, word_set

# A sentence opening with one of these leans on the one before it ("He said …").
ANAPHORS = word_set(
    "he she it they his her its their this these those that such him them there the"
)
REASON_MARKERS = frozenset(
    stem(w)
    for w in word_set(
        "because after as due since reason reasons cause caused blamed following result owing"
        " amid so thanks attributed led"
    )
)
NEGATIONS = word_set("not no never n't nor neither cannot refused denied rejected")
FIRST_PERSON = word_set("I my me we our us I'm I've")
QUOTE_MARKS = ('"', "“", "”")
SHORT_WORDS, LONG_WORDS = 6, 45
PREFIX_NAME = 4  # letters a name needs to be found inside a longer word

FEATURES: tuple[str, ...] = (
    "bias",
    "meaning",
    "meaning_gap",
    "meaning_best",
    "meaning_rank",
    "neighbour_meaning",
    *ALIGNMENT,
    *(f"{name}_gap" for name in ALIGNMENT),
    "terms",
    "terms_context",
    "terms_gap",
    "terms_title",
    "terms_rank",
    "neighbour_terms",
    "new_terms",
    "supplies",
    "supplies_terms",
    "supplies_name",
    "supplies_name_what",
    "name_terms",
    "verb_match",
    "supplies_neighbour",
    "verb_supplies",
    "answer_near_terms",
    "supplies_meaning",
    *(f"supplies_{t.value}" for t in ENTITY_TYPES),
    "new_entities",
    "focus",
    "article_first",
    "article_second",
    "article_score",
    "first_sentence",
    "position",
    "anaphor",
    "quote",
    "short",
    "long",
    "heading",
    "list_item",
    "first_person",
    "restates",
    "names_missing_article",
    "names_missing_sentence",
    "numbers_missing_article",
    "reason_marker",
    "new_number",
    "negation",
    "asks_outcome",
    *(f"type_{t.value}" for t in AnswerType),
)
INDEX = {name: n for n, name in enumerate(FEATURES)}


def describe(
    question: Question,
    asked: np.ndarray,
    sentences: list[ReadSentence],
    aligned: np.ndarray | None = None,
) -> np.ndarray:
    """One feature row per sentence (in `FEATURES` order) for this question; `aligned` holds
    each sentence's word alignment with it (bot/reading/alignment.py), when known."""
    rows = np.zeros((len(sentences), len(FEATURES)), dtype=np.float32)
    if not sentences:
        return rows
    if aligned is not None:
        first = INDEX[ALIGNMENT[0]]
        rows[:, first : first + len(ALIGNMENT)] = aligned
        gaps = INDEX[f"{ALIGNMENT[0]}_gap"]
        rows[:, gaps : gaps + len(ALIGNMENT)] = aligned - aligned.max(axis=0, keepdims=True)
    titles = {s.article_id: content_terms(s.chunk.title) for s in sentences}
    match = match_sentences(question, asked, sentences, titles)
    columns = {
        "bias": np.ones(len(sentences)),
        **_meaning_columns(match),
        **_term_columns(question, sentences, match),
        **_supply_columns(question, sentences, match),
        **_missing_columns(question, sentences, titles),
        **_place_columns(sentences),
        **_form_columns(question, sentences),
        "asks_outcome": np.full(len(sentences), float(question.asks_outcome)),
        f"type_{question.answer_type.value}": np.ones(len(sentences)),
    }
    for name, column in columns.items():
        rows[:, INDEX[name]] = column
    return rows


Column = np.ndarray | list[float] | list[bool]


def _meaning_columns(match: Match) -> dict[str, Column]:
    meaning = match.meaning
    best = meaning.max()
    return {
        "meaning": meaning,
        "meaning_gap": meaning - best,
        "meaning_best": meaning == best,
        "meaning_rank": 1.0 / (1.0 + _ranks(meaning)),
        "neighbour_meaning": match.neighbour_meaning,
    }


def _term_columns(
    question: Question, sentences: list[ReadSentence], match: Match
) -> dict[str, Column]:
    terms = [s.wording.terms for s in sentences]
    return {
        "terms": match.terms,
        "terms_context": match.context_terms,
        "terms_gap": match.terms - match.terms.max(),
        "terms_title": match.title_terms,
        "terms_rank": 1.0 / (1.0 + _ranks(match.terms)),
        "neighbour_terms": match.neighbour_terms,
        "new_terms": [len(own - question.terms) / len(own) if own else 0.0 for own in terms],
        "focus": [bool(question.focus & own) for own in terms],
    }


def _supply_columns(
    question: Question, sentences: list[ReadSentence], match: Match
) -> dict[str, Column]:
    """What the sentences offer of the asked type: entities the question does not name."""
    labels = ENTITY_LABELS.get(question.answer_type, frozenset())
    new = [[e for e in s.entities if not named_in(e_text(s, e), question)] for s in sentences]
    supplies = np.array([any(e.label in labels for e in n) for n in new], dtype=bool)
    names = np.array([any(e.label in NAME_LABELS for e in n) for n in new], dtype=bool)
    new_name = names & (question.answer_type.value in NAMED_TYPES)
    offers = supplies | new_name  # the asked type, or (for a name question) any new name
    verb = np.array([bool(question.verbs & s.wording.terms) for s in sentences], dtype=bool)
    columns: dict[str, Column] = {
        "supplies": supplies,
        "supplies_terms": supplies * match.context_terms,
        "supplies_meaning": supplies * match.meaning,
        "supplies_name": new_name,
        "supplies_name_what": names & (question.answer_type is AnswerType.WHAT),
        "name_terms": new_name * match.context_terms,
        "verb_match": verb,
        "verb_supplies": verb & offers,
        "supplies_neighbour": offers * match.neighbour_meaning,
        "answer_near_terms": [
            _nearness(s, n, labels, question.terms) for s, n in zip(sentences, new, strict=True)
        ],
        "new_entities": [min(len(n), 3) / 3 for n in new],
        "restates": match.terms * (1.0 - supplies) * float(bool(labels)),
    }
    if labels:
        columns[f"supplies_{question.answer_type.value}"] = supplies
    return columns


def _missing_columns(
    question: Question, sentences: list[ReadSentence], titles: dict[str, frozenset[str]]
) -> dict[str, Column]:
    """How much of what the question names, and of its numbers, the sentence's article (or the
    sentence with its neighbours) leaves out."""
    names, numbers = question.names, question.numbers
    if not names and not numbers:
        return {}  # nothing can be missing: the columns stay 0
    terms = [s.wording.terms for s in sentences]
    found = [found_names(names, own) for own in terms]  # a union's names: its parts' names
    in_context = [found[n] | found[b] | found[a] for n, (b, a) in enumerate(chained(sentences))]
    article_terms: dict[str, set[str]] = {}
    for s, own in zip(sentences, terms, strict=True):
        article_terms.setdefault(s.article_id, set()).update(own)
    article_names = {a: found_names(names, titles[a].union(t)) for a, t in article_terms.items()}
    article_numbers = {
        a: frozenset(x for x in t if x[:1].isdigit()) for a, t in article_terms.items()
    }
    return {
        "names_missing_article": [_missing(names, article_names[s.article_id]) for s in sentences],
        "names_missing_sentence": [_missing(names, f) for f in in_context],
        "numbers_missing_article": [
            _missing(numbers, article_numbers[s.article_id]) for s in sentences
        ],
    }


def _place_columns(sentences: list[ReadSentence]) -> dict[str, Column]:
    """Where each sentence stands: in which article, and where in it."""
    return {
        "article_first": [s.article_rank == 0 for s in sentences],
        "article_second": [s.article_rank == 1 for s in sentences],
        "article_score": [s.article_score for s in sentences],
        "first_sentence": [s.index == 0 for s in sentences],
        "position": [s.index / max(1, s.count - 1) for s in sentences],
        "anaphor": [_opener(s) in ANAPHORS and s.index > 0 for s in sentences],
    }


def _form_columns(question: Question, sentences: list[ReadSentence]) -> dict[str, Column]:
    """The sentence's form (quoted, a heading, a list item), and the words that some answer
    types look for (reasons, numbers, negations)."""
    words = [s.wording for s in sentences]
    quoted = [any(q in s.text for q in QUOTE_MARKS) for s in sentences]
    answer_type = question.answer_type
    columns: dict[str, Column] = {
        "quote": quoted,
        "short": [len(w.tokens) < SHORT_WORDS for w in words],
        "long": [len(w.tokens) > LONG_WORDS for w in words],
        "heading": [
            not s.text.rstrip().endswith((".", "!", "?", '"', "”", "'")) for s in sentences
        ],
        "list_item": [s.text.lstrip().startswith(("-", "•", "*")) for s in sentences],
        "first_person": [
            not q and bool(FIRST_PERSON & w.token_set) for q, w in zip(quoted, words, strict=True)
        ],
    }
    if answer_type is AnswerType.REASON:
        columns["reason_marker"] = [bool(REASON_MARKERS & w.stems) for w in words]
    if answer_type in (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE):
        columns["new_number"] = [bool(w.numbers - question.numbers) for w in words]
    if answer_type is AnswerType.YESNO:
        columns["negation"] = [_negated(w.tokens) for w in words]
    return columns


def _opener(sentence: ReadSentence) -> str:
    words = sentence.wording.tokens
    return words[0].lower() if words else ""


def _negated(words: tuple[str, ...]) -> bool:
    return any(w.lower() in NEGATIONS or w.lower().endswith("n't") for w in words)


def asked_entities(question: Question, sentence: ReadSentence) -> list[Entity]:
    """The sentence's entities of the asked type that the question does not name."""
    labels = ENTITY_LABELS.get(question.answer_type, frozenset())
    return [
        e
        for e in sentence.entities
        if e.label in labels and not named_in(e_text(sentence, e), question)
    ]


def leans_on_previous(sentence: ReadSentence) -> bool:
    """Whether the sentence needs the one before it to be understood: it opens with a pronoun
    ("He said …", "These initiatives …") or a definite common noun ("The firm …")."""
    words = sentence.wording.tokens
    if sentence.previous is None or not words:
        return False
    opener = words[0].lower()
    if opener == "the":
        return len(words) > 1 and words[1].islower()
    return opener in ANAPHORS


def names_nowhere(question: Question, sentences: list[ReadSentence]) -> bool:
    """Whether none of the articles read names anything the question names ("What is the
    capital of *Australia*?" over articles that never mention it): evidence that cannot be
    about what was asked, however well its words match. On the dev questions it would decline
    at most 3 of 1,428 answerable ones (their articles spell the name otherwise) and no
    unanswerable one; it keeps questions from outside the archive from being answered."""
    if not question.names:
        return False
    # each sentence's terms and title's terms are known (describe() has just asked for them)
    terms = frozenset[str]().union(
        *(s.wording.terms for s in sentences), *(content_terms(s.chunk.title) for s in sentences)
    )
    return not found_names(question.names, terms)


def found_names(names: frozenset[str], terms: frozenset[str]) -> frozenset[str]:
    """The names among these terms. A name of `PREFIX_NAME` letters or more also counts at
    the start of a longer word, so "Hungary" is found in "Hungarian"."""
    exact = names & terms
    longer = [n for n in names - exact if len(n) >= PREFIX_NAME]
    if not longer:
        return exact
    starts = " " + " ".join(terms)  # one substring search a name, not one test a term
    return exact | {n for n in longer if " " + n in starts}


def e_text(sentence: ReadSentence, entity: Entity) -> str:
    """The entity's text (its offsets are into the article, the sentence's text is a slice)."""
    return sentence.text[entity.start - sentence.start : entity.end - sentence.start]


@lru_cache(maxsize=32_768)
def _entity_words(entity_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The entity's content terms and numbers (the same entities recur in every question)."""
    words = Wording(entity_text)
    return words.terms, words.numbers


def named_in(entity_text: str, question: Question) -> bool:
    """Whether the question already names this entity (all its content words)."""
    own, numbers = _entity_words(entity_text)
    if not own and not numbers:
        return True
    return own <= (question.terms | question.names) and numbers <= question.numbers


def gap_to_words(sentence: ReadSentence, entity: Entity, stems: frozenset[str]) -> int | None:
    """Characters between the entity and the nearest word of the sentence whose stem is one of
    `stems` (a question's words), or None when the sentence has none of them."""
    return _gap(_places_of(sentence, stems), entity)


def _places_of(sentence: ReadSentence, stems: frozenset[str]) -> list[int]:
    """Where the sentence's words (of two letters or more) with one of these stems start."""
    return [sentence.start + at for at, s in sentence.wording.word_stems if s in stems]


def _gap(places: list[int], entity: Entity) -> int | None:
    if not places:
        return None
    return min(min(abs(p - entity.start), abs(p - entity.end)) for p in places)


def _nearness(
    sentence: ReadSentence, new: list[Entity], labels: frozenset[str], asked: frozenset[str]
) -> float:
    """How close a supplied entity sits to a word of the question: 1 beside it, less apart."""
    supplied = [e for e in new if e.label in labels]
    if not supplied:
        return 0.0
    places = _places_of(sentence, asked)
    found = [g for g in (_gap(places, e) for e in supplied) if g is not None]
    return 1.0 / (1.0 + min(found) / 20.0) if found else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's place when sorted from the highest, from 0."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks


def _missing(wanted: frozenset[str], found: frozenset[str]) -> float:
    return len(wanted - found) / len(wanted) if wanted else 0.0
