"""The default composer: read every sentence of the best articles and quote the one that answers.

Reading (bot/reading/) scores each sentence of the best three retrieved articles with a
model fitted on labelled questions; the composer quotes the best one (with the sentence it
leans on, when it opens with "He", "The firm" …), adds the runners-up at least a tenth as
likely to answer (the reader is unsure between them, or a "why" needs more than one), leads
with the short answer when one sentence stands out and holds one, and declines when the sentences it
would quote are, together, not likely enough to answer (`evidence`, bot/reading/ranker.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from bot.composers import DECLINE_OPENINGS, declined_answer
from bot.models import CITATION_MARKER, Answer, Citation, ShortAnswer, cite
from bot.reading import cross_reader as cross
from bot.reading.alignment import WordAligner
from bot.reading.features import asked_entities, describe, leans_on_previous, names_nowhere
from bot.reading.question import ENTITY_TYPES, PreparedQuestions, Question
from bot.reading.ranker import (
    DECLINE_BELOW,
    STATEMENT_DECLINE_BELOW,
    SentenceRanker,
    evidence,
)
from bot.reading.sentences import ARTICLES_READ, ArticleStore, ReadSentence, read_articles
from bot.reading.short_answer import Span, short_answer
from index.catalog import StoredChunk
from index.embedding import TextEmbedder, embed_question
from index.entities import Entity, EntityTagger
from index.search.retrieval import Passage
from index.sentence_vectors import SentenceVectors
from index.sentences import words

# A runner-up is quoted too when it is at least this likely, relative to the best sentence:
# for a fact (who, which, how much …), and for a question a statement answers (why, what
# happened, yes or no), whose answer often takes two or three sentences (both chosen on
# eval/bbc-dev.jsonl by bench/tune_reader.py; see docs/answering.md).
RUNNER_UP_SHARE = 0.1
STATEMENT_RUNNER_UP_SHARE = 0.2
# A short answer leads only when the best sentence stands out: no runner-up quoted is at least
# this likely, relative to it (short answers were right 81 % of the time then on bbc-dev, 60 %
# when a runner-up came close; the runner-up share was this until session 19).
SHORT_ANSWER_SHARE = 0.3
NEAR_DUPLICATE = 0.92  # sentences this similar say the same thing: quote only one
# A follow-up is nearly always about the story the previous answer quoted: that article's
# sentences are ranked as if this much more likely to answer (log-odds added), and weighed
# for declining and cited as if this much more likely. Chosen on the 210 labelled dev
# follow-ups replayed with 100 subject switches (bench/follow_ups.py; the grid is in
# docs/benchmarks.md): overall 68.1 → 72.9 %; a larger evidence prior answers more, but
# declines nearly no unanswerable follow-up.
FOLLOW_UP_RANK_PRIOR = 3.0
FOLLOW_UP_EVIDENCE_PRIOR = 1.0
QUOTED_WORDS = 5  # a shorter sentence ("He said.") may sit inside another article's quote


@dataclass(frozen=True)
class Reading:
    """A question read against the sentences of its best articles, best sentence first."""

    question: Question
    sentences: list[ReadSentence]
    rows: np.ndarray  # features, one row per sentence
    scores: np.ndarray  # probability that each sentence answers: what the choice ranks by
    # the probability the decline rule and citations use, when it differs from `scores` (a
    # follow-up's evidence prior); None: `scores`
    trust: np.ndarray | None = None

    def ranked(self) -> list[int]:
        return [int(i) for i in np.argsort(-self.scores, kind="stable")]

    @property
    def trusted(self) -> np.ndarray:
        """How likely each sentence is to answer, as declining and citations weigh it."""
        return self.scores if self.trust is None else self.trust

    def favouring(self, articles: set[str], rank_prior: float, evidence_prior: float) -> Reading:
        """This reading with the sentences of `articles` more likely to answer: by
        `rank_prior` (log-odds) to be chosen, by `evidence_prior` to be trusted."""
        inside = np.array([s.article_id in articles for s in self.sentences], dtype=bool)
        if not inside.any():
            return self
        return replace(
            self,
            scores=_raised(self.scores, inside, rank_prior),
            trust=_raised(self.trusted, inside, evidence_prior),
        )

    def following(self, sentence: ReadSentence) -> ReadSentence | None:
        """The sentence read after this one in its article, if any."""
        return self._following.get(sentence)

    @cached_property
    def _following(self) -> dict[ReadSentence, ReadSentence]:
        return {s.previous: s for s in self.sentences if s.previous is not None}


@dataclass(frozen=True)
class _Quote:
    sentence: ReadSentence
    chunk: StoredChunk  # a chunk that holds the whole quote: what its citation names
    start: int  # offsets into the article text: the sentence, or it and the one it leans on
    end: int
    text: str
    score: float  # how likely it is to answer: what its citation shows and declining weighs
    ranked: float  # its sentence's ranking score, which runners-up are compared by


class ExtractiveComposer:
    """Quotes the article sentences that answer the question, each cited; declines otherwise.

    `store` (the catalog) gives every sentence of the best articles, their stored vectors
    and entities; without one, only the retrieved passages are read.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: TextEmbedder,
        min_score: float | None = None,  # NEWSBOT_ANSWER_MIN_SCORE; None = the fitted one
        statement_min_score: float | None = None,  # the same for why / what / yes-no questions
        max_sentences: int = 3,
        store: ArticleStore | None = None,
        tagger: EntityTagger | None = None,
        ranker: SentenceRanker | None = None,
        articles: int = ARTICLES_READ,
        runner_up_share: float | None = None,  # None: the one fitted for the scores
        statement_runner_up_share: float | None = None,
        short_answer_share: float = SHORT_ANSWER_SHARE,
        aligner: WordAligner | None = None,
        cross_reader: cross.CrossReader | None = None,
    ) -> None:
        self.embedder = embedder
        self.cross_reader = cross_reader
        # the thresholds and runner-up shares fitted for the probabilities answers are ranked
        # by: the reader's, or the reader's combined with the cross-encoder's
        if cross_reader is not None:
            thresholds = (cross.DECLINE_BELOW, cross.STATEMENT_DECLINE_BELOW)
            shares = (cross.RUNNER_UP_SHARE, cross.STATEMENT_RUNNER_UP_SHARE)
        else:
            thresholds = (DECLINE_BELOW, STATEMENT_DECLINE_BELOW)
            shares = (RUNNER_UP_SHARE, STATEMENT_RUNNER_UP_SHARE)
        self.min_score = thresholds[0] if min_score is None else min_score
        self.statement_min_score = (
            thresholds[1] if statement_min_score is None else statement_min_score
        )
        self.max_sentences = max_sentences
        self.store = store
        self.tagger = tagger if tagger is not None else EntityTagger()
        self.ranker = ranker or SentenceRanker()
        self.articles = articles
        self.runner_up_share = shares[0] if runner_up_share is None else runner_up_share
        self.statement_runner_up_share = (
            shares[1] if statement_runner_up_share is None else statement_runner_up_share
        )
        # a follow-up is read by the reader alone, with its own threshold and shares: its story
        # prior and its rules were fitted for the reader's scores, and held to the combined
        # facts' threshold a "what else" follow-up found nothing new enough and repeated the
        # previous answer
        self.follow_up_min_score = DECLINE_BELOW if min_score is None else min_score
        self.follow_up_shares = (
            RUNNER_UP_SHARE if runner_up_share is None else runner_up_share,
            STATEMENT_RUNNER_UP_SHARE
            if statement_runner_up_share is None
            else statement_runner_up_share,
        )
        self.short_answer_share = short_answer_share
        # the ranker's weights expect word alignment: without an aligner, one is made
        self.aligner = aligner if aligner is not None else WordAligner.for_embedder(embedder)
        self.questions = PreparedQuestions()

    def compose(self, question: str, passages: list[Passage]) -> Answer:
        final: Answer | None = None
        for piece in self.stream(question, passages):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def prepare(self, question: str) -> None:
        """Start analysing the question (on a worker thread) while its passages are found."""
        self.questions.prepare(question)

    def close(self) -> None:
        self.questions.close()

    def read(self, question: str, passages: list[Passage], cross_read: bool = True) -> Reading:
        """Every sentence of the best articles, described and scored for the question (with
        the cross-reader, when there is one and `cross_read`)."""
        analysed = self.questions.get(question)
        store = self.store or PassageStore(passages)
        aligner = self.aligner
        sentences = read_articles(passages, store, self.tagger, aligner.read, self.articles)
        asked = embed_question(self.embedder, question)
        aligned = aligner.align(aligner.asked(question), [s.words for s in sentences])
        rows = describe(analysed, asked, sentences, aligned)
        scores = self.ranker.probabilities(rows)
        if self.cross_reader is not None and cross_read:
            scores = self.cross_reader.rescored(question, [s.text for s in sentences], scores)
        return Reading(analysed, sentences, rows, scores)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """Each quoted sentence as a text piece (the first led by the short answer), then the
        Answer."""
        reading = self.read(question, passages)
        return self._answer(reading, passages, self._min_score(reading.question))

    def stream_follow_up(
        self, question: str, passages: list[Passage], already_said: list[str]
    ) -> Iterator[str | Answer]:
        """As `stream`, with the story the previous answer quoted favoured (a follow-up is
        nearly always about it: `FOLLOW_UP_RANK_PRIOR`); a follow-up that asks for more than
        a fact ("what next", "why") passes over sentences the conversation already quoted,
        unless the others would not be likely enough to answer. Every follow-up is held to
        the facts' threshold: read through its conversation, a why / what follow-up at the
        statements' lower one was answered wrongly far more often than rightly (replayed
        over the 210 labelled follow-ups: 14 more answered wrongly for 3 more right). It is
        read by the reader alone, without the cross-reader: these rules were fitted for the
        reader's scores (`follow_up_min_score`, `follow_up_shares`)."""
        reading = self.read(question, passages, cross_read=False)
        if already_said and not already_said[-1].startswith(DECLINE_OPENINGS):
            quoted = quoted_articles(reading.sentences, already_said[-1])
            reading = reading.favouring(quoted, FOLLOW_UP_RANK_PRIOR, FOLLOW_UP_EVIDENCE_PRIOR)
        min_score, shares = self.follow_up_min_score, self.follow_up_shares
        if reading.question.answer_type in ENTITY_TYPES:
            # a fact already quoted still answers ("Who is representing the US there?" after
            # an answer that named him): only "what next" and "why" follow-ups ask for more
            return self._answer(reading, passages, min_score, shares)
        said = " ".join(already_said)
        fresh = np.array([not _quoted_in(s, said) for s in reading.sentences], dtype=bool)
        unsaid = replace(reading, scores=reading.scores * fresh, trust=reading.trusted * fresh)
        if fresh.any() and _evidence(self.choose(unsaid, shares)) >= min_score:
            reading = unsaid
        return self._answer(reading, passages, min_score, shares)

    def _answer(
        self,
        reading: Reading,
        passages: list[Passage],
        min_score: float,
        shares: tuple[float, float] | None = None,
    ) -> Iterator[str | Answer]:
        """The answer quoting what `choose` picks, or a decline when that is together less
        than `min_score` likely to answer or nothing read names what the question names."""
        quotes = self.choose(reading, shares)
        if (
            not quotes
            or _evidence(quotes) < min_score
            or names_nowhere(reading.question, reading.sentences)
        ):
            declined = declined_answer(passages)
            yield declined.answer
            yield declined
            return
        # a short answer leads only when one sentence stands out: between close runners-up the
        # reader is unsure, and a bold guess would mislead
        stands_out = all(q.ranked < quotes[0].ranked * self.short_answer_share for q in quotes[1:])
        short = _short_answer(reading.question, quotes[0]) if stands_out else None
        short_answer_ = None
        if short is not None:
            offset = short.start - quotes[0].start
            short_answer_ = ShortAnswer(short.text, 1, offset, offset + len(short.text))
        lead = short_answer_.lead if short_answer_ else ""
        citations: list[Citation] = []
        pieces: list[str] = []
        for n, quote in enumerate(quotes, start=1):
            citations.append(_citation(n, quote))
            pieces.append((lead if n == 1 else " ") + with_marker(quote.text, n))
        yield from pieces
        yield Answer(
            answer="".join(pieces),
            answerable=True,
            citations=citations,
            short_answer=short_answer_,
            answer_type=reading.question.answer_type.value,
        )

    def choose(self, reading: Reading, shares: tuple[float, float] | None = None) -> list[_Quote]:
        """The best sentence and the runners-up at least `runner_up_share` as likely (for a
        why / what / yes-no question, `statement_runner_up_share`), at most `max_sentences` in
        all; none when nothing was read."""
        order = reading.ranked()
        if not order:
            return []
        best = order[0]
        chosen = [self._quote(reading, best)]
        floor = reading.scores[best] * self._runner_up_share(reading.question, shares)
        for i in order[1:]:
            if len(chosen) >= self.max_sentences or reading.scores[i] < floor:
                break
            quote = self._quote(reading, i)
            if any(_overlaps(quote, c) for c in chosen):
                # the sentence it leans on, or the one after it, is quoted already: the
                # sentence alone, unless that is quoted too
                quote = _bare(reading, i)
            if not any(_overlaps(quote, c) or _repeats(quote, c) for c in chosen):
                chosen.append(quote)
        return chosen

    def _min_score(self, question: Question) -> float:
        """How likely an answer's quotes must together be to answer, or it is declined."""
        if question.answer_type in ENTITY_TYPES:
            return self.min_score
        return self.statement_min_score

    def _runner_up_share(
        self, question: Question, shares: tuple[float, float] | None = None
    ) -> float:
        """The runner-up share for the question's kind, from `shares` (facts, statements) or
        the composer's own."""
        facts, statements = shares or (self.runner_up_share, self.statement_runner_up_share)
        return facts if question.answer_type in ENTITY_TYPES else statements

    def _quote(self, reading: Reading, i: int) -> _Quote:
        """Sentence `i`, with the sentence before it when it opens with an anaphor or when
        that one, not it, names what is asked ("… the 2002 movie" after "… Tears of the Sun");
        for a why, what or yes/no question, with the sentence after it too when that one
        leans on it ("Another path could involve peacekeepers …" and "*This* would help to
        prevent further escalation …"). A quote is one stretch of one chunk: when no chunk
        holds it all, it is the sentence with as much of that as one chunk holds."""
        s = reading.sentences[i]
        first = last = s
        if s.previous is not None and (
            leans_on_previous(s) or _answer_before(reading.question, s, s.previous)
        ):
            first = s.previous
        following = reading.following(s)
        if (
            following is not None
            and reading.question.answer_type not in ENTITY_TYPES
            and leans_on_previous(following)
        ):
            last = following
        for start, end in dict.fromkeys(((first, last), (first, s), (s, last), (s, s))):
            chunk = _holding(start, end)
            if chunk is not None:
                text = chunk.text[start.start - chunk.start : end.end - chunk.start]
                return _Quote(
                    s,
                    chunk,
                    start.start,
                    end.end,
                    text,
                    float(reading.trusted[i]),
                    float(reading.scores[i]),
                )
        return _bare(reading, i)


def quoted_articles(sentences: list[ReadSentence], answer: str) -> set[str]:
    """The articles whose sentences (any one read, of `QUOTED_WORDS` words or more) an earlier
    answer quotes, as `with_marker` showed them."""
    return {
        s.article_id
        for s in sentences
        if _quoted_in(s, answer) and len(words(s.text)) >= QUOTED_WORDS
    }


def _quoted_in(sentence: ReadSentence, answer_text: str) -> bool:
    """Whether an answer's text (or several, joined) quotes the sentence, as `with_marker`
    showed it."""
    return _unmarked(sentence.text).rstrip(".!?") in answer_text


def _raised(probabilities: np.ndarray, inside: np.ndarray, prior: float) -> np.ndarray:
    """The probabilities, those `inside` raised by `prior` in log-odds."""
    p = np.clip(probabilities[inside].astype(np.float64), 1e-9, 1 - 1e-9)
    raised = probabilities.astype(np.float64)  # a copy
    raised[inside] = 1.0 / (1.0 + np.exp(-(np.log(p) - np.log1p(-p) + prior)))
    return raised


def _bare(reading: Reading, i: int) -> _Quote:
    s = reading.sentences[i]
    return _Quote(
        s, s.chunk, s.start, s.end, s.text, float(reading.trusted[i]), float(reading.scores[i])
    )


def _evidence(quotes: list[_Quote]) -> float:
    return evidence(q.score for q in quotes)


def _answer_before(question: Question, sentence: ReadSentence, previous: ReadSentence) -> bool:
    return not asked_entities(question, sentence) and bool(asked_entities(question, previous))


def _short_answer(question: Question, quote: _Quote) -> Span | None:
    """The short answer in the quoted sentence, else in the sentence quoted before it."""
    s = quote.sentence
    found = short_answer(question, s)
    if found is None and s.previous is not None and quote.start <= s.previous.start:
        found = short_answer(question, s.previous)
    return found


def _holding(first: ReadSentence, last: ReadSentence) -> StoredChunk | None:
    """A chunk that holds the article text from `first` to `last`, if one does."""
    for chunk in (last.chunk, first.chunk):
        if chunk.start <= first.start and last.end <= chunk.end:
            return chunk
    return None


def _overlaps(a: _Quote, b: _Quote) -> bool:
    same = a.sentence.article_id == b.sentence.article_id
    return same and a.start < b.end and b.start < a.end


def _repeats(a: _Quote, b: _Quote) -> bool:
    """Whether two quotes say the same: the same words (a story copied into another
    article, whose in-context vectors differ), or vectors nearly the same."""
    if " ".join(a.text.split()).casefold() == " ".join(b.text.split()).casefold():
        return True
    va, vb = a.sentence.vector, b.sentence.vector
    return va is not None and vb is not None and float(va @ vb) > NEAR_DUPLICATE


def with_marker(sentence: str, n: int) -> str:
    """The sentence with its citation marker before the final stop: "… on 3 May [1]."

    The article's own bracketed numbers become "(2)", so that only newsbot's markers look
    like citations."""
    sentence = _unmarked(sentence)
    if sentence.endswith((".", "!", "?")) and not sentence.endswith("..."):
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]"


def _unmarked(text: str) -> str:
    """Article text with its own bracketed numbers as "(2)": never read as newsbot's markers."""
    return CITATION_MARKER.sub(r"(\1)", text)


def _citation(n: int, quote: _Quote) -> Citation:
    return cite(n, quote.chunk, quote.start, quote.end, quote.text, quote.score)


class PassageStore:
    """Reading over the retrieved passages alone, for a composer given no catalog."""

    def __init__(self, passages: list[Passage]) -> None:
        self._chunks: dict[str, list[StoredChunk]] = {}
        for passage in passages:
            chunks = self._chunks.setdefault(passage.chunk.article_id, [])
            if passage.chunk not in chunks:
                chunks.append(passage.chunk)
        for chunks in self._chunks.values():
            chunks.sort(key=lambda c: c.start)

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[StoredChunk]]:
        return {a: self._chunks[a] for a in article_ids if a in self._chunks}

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, SentenceVectors]:
        return {}

    def entities(self, article_ids: list[str]) -> dict[str, list[Entity]]:
        return {}
