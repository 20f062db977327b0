"""The one answering service: condense → retrieve → compose, used by the CLI, REST and Discord."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from bot.composers import (
    EMPTY_ARCHIVE,
    NO_MATCH,
    ClosingComposer,
    Composer,
    CondensingComposer,
    FollowUpComposer,
    PreparingComposer,
    StreamingComposer,
    declined_answer,
)
from bot.condense import condense_question, conversation_query, new_subject
from bot.errors import BadQuestion, ModeUnavailable
from bot.models import Answer, Turn, citation_id, parse_citation_id
from bot.question_form import PassageWords, as_question
from index.articles import Article
from index.catalog import Catalog, SourceSummary
from index.search.dates import DateRange, find_date_range
from index.search.retrieval import HybridRetriever, Passage, SearchFilters, interleave

# Rewrites a follow-up question to stand alone, given the earlier turns.
Condenser = Callable[[str, list[Turn]], str]


@dataclass(frozen=True)
class CitationContext:
    """A cited passage with the article text around it, for "show me the source" views."""

    id: str  # the citation id: the article's content hash prefix and the quote's offsets
    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    quote: str  # exactly what was cited: article.text[start:end]
    start: int
    end: int
    before: str  # up to `context_chars` of article text just before `start`
    after: str  # up to `context_chars` of article text just after `end`

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RetrievalSpec:
    """How many passages a composer sees, and how many of them may come from one article."""

    top_k: int = 16
    per_article: int = 4


class AnswerService:
    """Answers questions over the archive with a named composer; safe to share between threads."""

    def __init__(
        self,
        retriever: HybridRetriever,
        catalog: Catalog,
        composers: Mapping[str, Composer],
        default_mode: str = "extractive",
        retrieval: RetrievalSpec | None = None,
        stats: Callable[[], dict[str, object]] | None = None,
        on_close: Callable[[], None] | None = None,
        condense: Condenser = condense_question,
        today: Callable[[], date] | None = date.today,
        how_to_enable: Mapping[str, str] | None = None,
    ) -> None:
        if default_mode not in composers:
            raise ModeUnavailable(f"the default answer mode {default_mode!r} is not configured")
        self.retriever = retriever
        self.catalog = catalog
        self.composers = dict(composers)
        self.default_mode = default_mode
        self.retrieval = retrieval or RetrievalSpec()
        self._stats = stats
        self._on_close = on_close
        self.condense = condense
        self.today = today  # None: dates named in questions are not turned into filters
        # modes this configuration leaves out, with what would turn each on ("set NEWSBOT_…")
        self.how_to_enable = dict(how_to_enable or {})

    @property
    def modes(self) -> list[str]:
        return sorted(self.composers)

    def composer(self, mode: str | None = None) -> Composer:
        """The composer for a mode name (the default when None); ModeUnavailable otherwise."""
        name = mode or self.default_mode
        try:
            return self.composers[name]
        except KeyError:
            known = ", ".join(self.modes)
            hint = self.how_to_enable.get(name)
            why = f": {hint}" if hint else ""
            raise ModeUnavailable(
                f"answer mode {name!r} is not available{why} (configured: {known})"
            ) from None

    def answer(
        self,
        question: str,
        filters: SearchFilters | None = None,
        history: list[Turn] | None = None,
        mode: str | None = None,
    ) -> Answer:
        """A cited answer, or a decline (`answerable: False`) when the archive holds no evidence."""
        final: Answer | None = None
        for piece in self.stream(question, filters, history, mode):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(
        self,
        question: str,
        filters: SearchFilters | None = None,
        history: list[Turn] | None = None,
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Answer text pieces as they are ready, then exactly one final Answer with timings.

        A bad question or mode raises here, before the first piece, so that a streaming edge can
        still answer with an error status.
        """
        if not question.strip():
            raise BadQuestion("the question is empty")
        composer = self.composer(mode)
        question, history = own_conversation(as_question(question), history or [])
        return self._pieces(composer, question, filters, history)

    def _pieces(
        self,
        composer: Composer,
        question: str,
        filters: SearchFilters | None,
        history: list[Turn],
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        standalone = self._standalone(question, history, composer)
        if isinstance(composer, PreparingComposer):
            # the extractive one parses the question while retrieval runs; when the question
            # names a date and dated articles match it, or its passages mend a misspelt name,
            # the question read differs and is parsed then (the parse prepared here is dropped,
            # see PreparedQuestions)
            composer.prepare(standalone)
        passages, standalone = self._found(standalone, filters, history)
        retrieved = time.perf_counter()
        final: Answer | None = None
        if not passages:
            final = self._nothing_found(filters)
            yield final.answer
        elif isinstance(composer, StreamingComposer):
            pieces = (
                composer.stream_follow_up(standalone, passages, [t.answer for t in history])
                if history and isinstance(composer, FollowUpComposer)
                else composer.stream(standalone, passages)
            )
            for piece in pieces:
                if isinstance(piece, Answer):
                    final = piece
                    break
                yield piece
        else:
            final = composer.compose(standalone, passages)
            yield final.answer
        if final is None:
            raise RuntimeError(f"the {composer.name} composer ended without an Answer")
        done = time.perf_counter()
        timings = {
            **final.timings_ms,
            "retrieve": _ms(retrieved - started),
            "compose": _ms(done - retrieved),
            "total": _ms(done - started),
        }
        yield replace(final, timings_ms=timings)

    def _nothing_found(self, filters: SearchFilters | None) -> Answer:
        """The decline when retrieval found nothing: say why (filters, or an empty archive)."""
        if filters is not None and filters.active:
            said = f"{NO_MATCH} {describe_filters(filters)}."
            undated = self._undated_left_out(filters)
            if undated:
                said += f" {undated} undated article{'s' * (undated != 1)} cannot match a date."
            return replace(declined_answer([]), answer=said)
        if not self.catalog.counts().get("articles"):
            return replace(declined_answer([]), answer=EMPTY_ARCHIVE)
        return declined_answer([])

    def _undated_left_out(self, filters: SearchFilters) -> int:
        """How many articles a date filter leaves out for having no date (0 without one)."""
        if not (filters.published_after or filters.published_before):
            return 0
        return sum(
            s.undated
            for s in self.catalog.sources()
            if not filters.sources or s.name in filters.sources
        )

    def passages(
        self,
        question: str,
        filters: SearchFilters | None = None,
        history: list[Turn] | None = None,
        composer: Composer | None = None,
    ) -> tuple[list[Passage], str]:
        """The passages a composer reads for a question, and the question as it reads it
        (made to stand alone when it follows earlier turns; a date it names left out)."""
        question, history = own_conversation(as_question(question), history or [])
        standalone = self._standalone(question, history, composer or self.composer())
        return self._found(standalone, filters, history)

    def _standalone(self, question: str, history: list[Turn], composer: Composer) -> str:
        """The question made to stand alone when it follows earlier turns."""
        condense = composer.condense if isinstance(composer, CondensingComposer) else self.condense
        return condense(question, history)

    def _found(
        self, question: str, filters: SearchFilters | None, history: list[Turn]
    ) -> tuple[list[Passage], str]:
        """Passages for the question (and its conversation), and the question as the composer
        should read it (as `_retrieve` leaves it). A question whose misspelt name the passages
        mend (bot/question_form.py: a name no article read holds makes the answer decline) is
        asked again, mended, from the start: a date it names still becomes a filter."""
        passages, read = self._retrieve(question, filters, conversation_query(question, history))
        if not passages:
            return passages, read
        words = PassageWords(p.chunk.text for p in passages)
        # the BM25 index is looked up (a file read) only for a word the passages lack
        mended = words.mended(question, known=lambda word: self.retriever.lexical().knows(word))
        if mended != question:
            passages, read = self._retrieve(mended, filters, conversation_query(mended, history))
        return passages, read

    def _retrieve(
        self, question: str, filters: SearchFilters | None, also: str | None = None
    ) -> tuple[list[Passage], str]:
        """Passages for the question, and the question as the composer should read it.

        A date the question names ("last week") becomes a filter and leaves the question.
        With `also` (a follow-up's conversation query), the passages of both searches are
        taken in turn, the question's own first: a follow-up on the same story reads it, and
        one that changes the subject still reads its own articles. A follow-up whose named
        date became a filter is searched once, without the date, as a first question is.
        """
        named = self._named_dates(question, filters)
        if named is not None:
            dated = replace(
                filters or SearchFilters(),
                published_after=named.after,
                published_before=named.before,
            )
            without_date = re.sub(
                r"\s+(?=[?.!,])", "", " ".join(question.replace(named.phrase, " ").split())
            )
            passages = self._search(without_date, dated)
            # "in 2004" may date events in the text rather than publication: then the words alone.
            if passages or named.relative:
                return passages, without_date
        passages = self._search(question, filters)
        if also is not None and passages:
            passages = interleave(passages, self._search(also, filters))
        return passages, question

    def _named_dates(self, question: str, filters: SearchFilters | None) -> DateRange | None:
        """The date range a question names, unless dates were given or the feature is off."""
        if self.today is None or (
            filters and (filters.published_after or filters.published_before)
        ):
            return None
        return find_date_range(question, self.today())

    def _search(self, query: str, filters: SearchFilters | None) -> list[Passage]:
        return self.retriever.search(
            query,
            top_k=self.retrieval.top_k,
            filters=filters,
            per_article=self.retrieval.per_article,
        )

    def search(
        self, query: str, top_k: int = 5, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """The best passages for a query, one per story (an article and its near-duplicates)."""
        return self.retriever.search(query, top_k=top_k, filters=filters)

    def citation(self, cited: str, context_chars: int = 300) -> CitationContext | None:
        """The exact passage a citation id names, with the article text around it; None when
        no stored article holds it (see `citation_retired` for whether one used to)."""
        parsed = parse_citation_id(cited)
        if parsed is None:
            return None
        prefix, start, end = parsed
        article = self.catalog.article_with_hash_prefix(prefix)
        if article is None or end > len(article.text):
            return None
        context_chars = max(0, context_chars)
        return CitationContext(
            id=citation_id(prefix, start, end),
            article_id=article.id,
            title=article.title,
            source=article.source,
            url=article.url,
            published=article.published_iso or None,
            quote=article.text[start:end],
            start=start,
            end=end,
            before=article.text[max(0, start - context_chars) : start],
            after=article.text[end : end + context_chars],
        )

    def citation_retired(self, cited: str) -> str | None:
        """The id of the article a citation named, when that article has since been deleted
        or its text changed (so the citation is gone, not unknown); else None."""
        parsed = parse_citation_id(cited)
        if parsed is None or self.catalog.article_with_hash_prefix(parsed[0]) is not None:
            return None
        return self.catalog.retired_text(parsed[0])

    def article(self, article_id: str) -> Article | None:
        """A stored article by id or by one of its aliases (ids of exact duplicates)."""
        return self.catalog.article(article_id)

    def sources(self) -> list[SourceSummary]:
        """The archive's sources: name, article count, oldest and newest dates."""
        return self.catalog.sources()

    def browse(self, filters: SearchFilters, limit: int, after_id: str = "") -> list[Article]:
        """Articles matching the filters, in id order, after `after_id` (a listing: no text)."""
        return self.catalog.browse(
            filters.sources, filters.published_after, filters.published_before, limit, after_id
        )

    def stats(self) -> dict[str, object]:
        numbers = dict(self._stats()) if self._stats else dict(self.catalog.counts())
        return {**numbers, "answer_modes": self.modes, "default_mode": self.default_mode}

    def close(self) -> None:
        for composer in self.composers.values():
            if isinstance(composer, ClosingComposer):
                composer.close()
        if self._on_close is not None:
            self._on_close()


def describe_filters(filters: SearchFilters) -> str:
    """Filters as a person would write them: "source=sport after 2005-01-01"."""
    parts = []
    if filters.sources:
        parts.append("source=" + ",".join(filters.sources))
    if filters.published_after:
        parts.append(f"after {filters.published_after.isoformat()}")
    if filters.published_before:
        parts.append(f"before {filters.published_before.isoformat()}")
    return " ".join(parts)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def own_conversation(question: str, history: list[Turn]) -> tuple[str, list[Turn]]:
    """The question and the turns it follows. A follow-up that announces a new subject
    ("Different topic: …") follows none and is asked without its announcement; a later one
    follows the turns from that question on. A first question is asked as it is."""
    if not history:
        return question, history
    fresh = new_subject(question)
    if fresh is not None:
        return fresh, []
    for n in range(len(history) - 1, -1, -1):
        opened = new_subject(history[n].question)
        if opened is not None:
            return question, [replace(history[n], question=opened), *history[n + 1 :]]
    return question, history
