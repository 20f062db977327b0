"""What each read sentence offers a question, as numbers a fitted ranker weighs.

Every feature is in [0, 1] or [-1, 1]; `FEATURES` names them in vector order, and the
ranker's weights (bot/reading/ranker.py) are fitted in that order by bench/tune_reader.py.
"""

from __future__ import annotations

import math

import numpy as np

from bot.reading.alignment import ALIGNMENT
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
from index.words import TOKEN as _TOKEN_RE
from index.words import content_terms, stem, tokens, word_set

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
    terms = [content_terms(s.text) for s in sentences]
    weights = _term_weights(question.terms, terms)
    article_terms: dict[str, frozenset[str]] = {}
    for s, t in zip(sentences, terms, strict=True):
        article_terms[s.article_id] = article_terms.get(s.article_id, frozenset()) | t
    title_terms = {s.article_id: content_terms(s.chunk.title) for s in sentences}
    article_numbers = {
        a: frozenset(x for x in t if x[:1].isdigit()) for a, t in article_terms.items()
    }
    article_names = {
        a: found_names(question.names, t | title_terms[a]) for a, t in article_terms.items()
    }
    meaning = np.array(
        [float(s.vector @ asked) if s.vector is not None else 0.0 for s in sentences]
    )
    coverage = np.array([_coverage(weights, t) for t in terms])
    meaning_rank = _ranks(meaning)
    best_meaning, best_coverage = meaning.max(), coverage.max()
    terms_rank = _ranks(coverage)
    labels = ENTITY_LABELS.get(question.answer_type, frozenset())
    for n, (s, own) in enumerate(zip(sentences, terms, strict=True)):
        row = rows[n]
        before = terms[n - 1] if n and sentences[n - 1] is s.previous else frozenset()
        after = (
            terms[n + 1] if n + 1 < len(terms) and sentences[n + 1].previous is s else frozenset()
        )
        context = own | before | after
        context_coverage = _coverage(weights, context)
        words = tokens(s.text)
        quoted = any(q in s.text for q in QUOTE_MARKS)
        opener = words[0].lower() if words else ""
        new = [e for e in s.entities if not named_in(e_text(s, e), question)]
        supplies = any(e.label in labels for e in new)
        names_asked = question.answer_type.value in NAMED_TYPES
        new_name = names_asked and any(e.label in NAME_LABELS for e in new)
        offers = supplies or new_name  # the asked type, or (for a name question) any new name
        neighbour_meaning = _neighbours(sentences, meaning, n)
        row[INDEX["bias"]] = 1.0
        row[INDEX["meaning"]] = meaning[n]
        row[INDEX["meaning_gap"]] = meaning[n] - best_meaning
        row[INDEX["meaning_best"]] = float(meaning[n] == best_meaning)
        row[INDEX["meaning_rank"]] = 1.0 / (1.0 + meaning_rank[n])
        row[INDEX["neighbour_meaning"]] = neighbour_meaning
        row[INDEX["terms"]] = coverage[n]
        row[INDEX["terms_rank"]] = 1.0 / (1.0 + terms_rank[n])
        row[INDEX["neighbour_terms"]] = _neighbours(sentences, coverage, n)
        row[INDEX["new_terms"]] = len(own - question.terms) / len(own) if own else 0.0
        row[INDEX["supplies_terms"]] = float(supplies) * context_coverage
        row[INDEX["supplies_meaning"]] = float(supplies) * meaning[n]
        row[INDEX["supplies_name"]] = float(new_name)
        row[INDEX["supplies_name_what"]] = float(
            question.answer_type is AnswerType.WHAT and any(e.label in NAME_LABELS for e in new)
        )
        verb = bool(question.verbs & own)
        row[INDEX["verb_match"]] = float(verb)
        row[INDEX["supplies_neighbour"]] = float(offers) * neighbour_meaning
        row[INDEX["verb_supplies"]] = float(verb and offers)
        row[INDEX["answer_near_terms"]] = _nearness(s, new, labels, question.terms)
        row[INDEX["name_terms"]] = float(new_name) * context_coverage
        row[INDEX["terms_context"]] = context_coverage
        row[INDEX["terms_gap"]] = coverage[n] - best_coverage
        row[INDEX["terms_title"]] = _coverage(weights, own | title_terms[s.article_id])
        row[INDEX["supplies"]] = float(supplies)
        if supplies:
            row[INDEX[f"supplies_{question.answer_type.value}"]] = 1.0
        row[INDEX["new_entities"]] = min(len(new), 3) / 3
        row[INDEX["focus"]] = float(bool(question.focus & own))
        row[INDEX["article_first"]] = float(s.article_rank == 0)
        row[INDEX["article_second"]] = float(s.article_rank == 1)
        row[INDEX["article_score"]] = s.article_score
        row[INDEX["first_sentence"]] = float(s.index == 0)
        row[INDEX["position"]] = s.index / max(1, s.count - 1)
        row[INDEX["anaphor"]] = float(opener in ANAPHORS and s.index > 0)
        row[INDEX["quote"]] = float(quoted)
        row[INDEX["short"]] = float(len(words) < SHORT_WORDS)
        row[INDEX["long"]] = float(len(words) > LONG_WORDS)
        row[INDEX["heading"]] = float(not s.text.rstrip().endswith((".", "!", "?", '"', "”", "'")))
        row[INDEX["list_item"]] = float(s.text.lstrip().startswith(("-", "•", "*")))
        row[INDEX["first_person"]] = float(not quoted and bool(FIRST_PERSON & set(words)))
        row[INDEX["restates"]] = coverage[n] * (1.0 - float(supplies)) * float(bool(labels))
        row[INDEX["names_missing_article"]] = _missing(question.names, article_names[s.article_id])
        row[INDEX["names_missing_sentence"]] = _missing(
            question.names, found_names(question.names, context)
        )
        row[INDEX["numbers_missing_article"]] = _missing(
            question.numbers, article_numbers[s.article_id]
        )
        is_reason = question.answer_type is AnswerType.REASON
        row[INDEX["reason_marker"]] = float(is_reason and bool(REASON_MARKERS & own_stems(words)))
        numeric = question.answer_type in (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE)
        row[INDEX["new_number"]] = float(
            numeric and any(w[:1].isdigit() and w not in question.numbers for w in words)
        )
        row[INDEX["negation"]] = float(
            question.answer_type is AnswerType.YESNO
            and any(w.lower() in NEGATIONS or w.lower().endswith("n't") for w in words)
        )
        row[INDEX[f"type_{question.answer_type.value}"]] = 1.0
    return rows


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
    words = tokens(sentence.text)
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
    # each text's terms are cached (describe() has just asked for them)
    texts = (t for s in sentences for t in (s.chunk.title, s.text))
    terms = frozenset[str]().union(*map(content_terms, texts))
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


def own_stems(words: list[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words)


def named_in(entity_text: str, question: Question) -> bool:
    """Whether the question already names this entity (all its content words)."""
    own = content_terms(entity_text)
    numbers = {t for t in tokens(entity_text) if t[:1].isdigit()}
    if not own and not numbers:
        return True
    return own <= (question.terms | question.names) and numbers <= question.numbers


def gap_to_words(sentence: ReadSentence, entity: Entity, stems: frozenset[str]) -> int | None:
    """Characters between the entity and the nearest word of the sentence whose stem is one of
    `stems` (a question's words), or None when the sentence has none of them."""
    positions = [
        m.start() + sentence.start
        for m in _TOKEN_RE.finditer(sentence.text)
        if len(m.group()) > 1 and stem(m.group()) in stems
    ]
    if not positions:
        return None
    return min(min(abs(p - entity.start), abs(p - entity.end)) for p in positions)


def _nearness(
    sentence: ReadSentence, new: list[Entity], labels: frozenset[str], asked: frozenset[str]
) -> float:
    """How close a supplied entity sits to a word of the question: 1 beside it, less apart."""
    gaps = [gap_to_words(sentence, e, asked) for e in new if e.label in labels]
    found = [g for g in gaps if g is not None]
    return 1.0 / (1.0 + min(found) / 20.0) if found else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's place when sorted from the highest, from 0."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks


def _neighbours(sentences: list[ReadSentence], values: np.ndarray, n: int) -> float:
    """The higher value of the sentences just before and after sentence n, in its article."""
    around = [
        values[m]
        for m in (n - 1, n + 1)
        if 0 <= m < len(sentences) and sentences[m].article_id == sentences[n].article_id
    ]
    return float(max(around)) if around else 0.0


def _term_weights(asked: frozenset[str], sentences: list[frozenset[str]]) -> dict[str, float]:
    """The question's terms weighted by rarity among the sentences read."""
    n = len(sentences)
    return {t: math.log(1 + n / (1 + sum(t in s for s in sentences))) for t in asked}


def _coverage(weights: dict[str, float], terms: frozenset[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 0.0


def _missing(wanted: frozenset[str], found: frozenset[str]) -> float:
    return len(wanted - found) / len(wanted) if wanted else 0.0
