"""The JSON the API reads and writes: typed models with the examples shown at /docs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from index.search.retrieval import SearchFilters

QUESTION_MAX_CHARS = 1000
TOP_K_MAX = 50
SOURCES_MAX = 20
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"  # a character that is not space (by Python's str.isspace)


def _iso_date_string(value: object) -> object:
    """Dates arrive as "YYYY-MM-DD" strings only; pydantic alone would take numbers (and
    numeric strings such as "0.0") as times."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date string like 2005-03-01")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2005-03-01, not {value!r}") from None


def _json_integer(value: object) -> object:
    """Integers as JSON has them (18 or 18.0), never strings or booleans."""
    if isinstance(value, str | bool):
        raise ValueError("expected an integer")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_string)]
JsonInt = Annotated[int, BeforeValidator(_json_integer)]
SourceName = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(_Strict):
    """Restrict to articles from these sources and/or published in this date range."""

    source: SourceName | Annotated[list[SourceName], Field(max_length=SOURCES_MAX)] | None = Field(
        None, description="One source name or a list of them (exact match).", examples=["bbc"]
    )
    published_after: IsoDate | None = Field(
        None, description="Published on or after this day.", examples=["2022-03-01"]
    )
    published_before: IsoDate | None = Field(
        None, description="Published on or before this day.", examples=["2022-12-31"]
    )

    def to_search_filters(self) -> SearchFilters:
        sources = [self.source] if isinstance(self.source, str) else list(self.source or [])
        return SearchFilters(tuple(sources), self.published_after, self.published_before)


class AskRequest(_Strict):
    question: str = Field(
        min_length=1,
        max_length=QUESTION_MAX_CHARS,
        pattern=NOT_BLANK,
        description="The question, in plain words.",
        examples=["When will the summit take place?"],
    )
    filters: Filters | None = None
    conversation_id: str | None = Field(
        None,
        pattern=CONVERSATION_ID_PATTERN,
        description="Continue this conversation (from an earlier answer); omit to start one.",
    )
    mode: Literal["extractive", "llm"] | None = Field(
        None, description="How to compose the answer; omitted = the server's default."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "When will the summit take place?"},
                {
                    "question": "Who proposed the ceasefire?",
                    "filters": {"published_after": "2022-01-01"},
                    "mode": "extractive",
                },
            ]
        }
    )


class CitationOut(BaseModel):
    """A numbered source: `article.text[start:end] == quote`, exactly."""

    n: int = Field(description="The number used as [n] in the answer.", examples=[1])
    id: str = Field(description="The cited chunk's id.", examples=["0a1b2c3d4e5f6a7b:120-980"])
    article_id: str = Field(examples=["business/010.txt"])
    title: str
    source: str
    url: str
    published: str | None = Field(description="ISO date, null when unknown.")
    quote: str
    start: int = Field(description="Character offset of the quote in the article text.")
    end: int
    score: float


class ShortAnswerOut(BaseModel):
    """The few words that answer, inside citation `n`'s quote: `quote[start:end] == text`."""

    text: str = Field(examples=["Giant Company Software"])
    n: int = Field(description="The citation whose quote holds it.", examples=[1])
    start: int = Field(description="Character offset of the text inside that quote.")
    end: int


class AskResponse(BaseModel):
    answer: str = Field(
        description="The answer; every claim carries [n] citation markers. When there is a "
        "short answer, the text starts with it."
    )
    answerable: bool = Field(description="False when the archive holds no evidence for it.")
    short_answer: ShortAnswerOut | None = Field(
        None, description="The name, date or figure that answers, when the question asks for one."
    )
    answer_type: str | None = Field(
        None,
        description="What the question asks for: person, organisation, place, date, money, "
        "number, work, event, yesno, reason or what (null for composers that do not say).",
    )
    citations: list[CitationOut]
    conversation_id: str = Field(description="Pass it back to ask a follow-up.")
    timings_ms: dict[str, float]


class SearchRequest(_Strict):
    query: str = Field(
        min_length=1,
        max_length=QUESTION_MAX_CHARS,
        pattern=NOT_BLANK,
        examples=["peace talks summit date"],
    )
    top_k: JsonInt = Field(5, ge=1, le=TOP_K_MAX, description="How many passages.")
    filters: Filters | None = None


class SearchResult(BaseModel):
    id: str
    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    text: str
    start: int
    end: int
    score: float = Field(
        description="Relevance by the configured fusion (the default linear fusion gives 0–1); "
        "results come best first; compare scores within one response only."
    )
    story_id: str = Field(
        description="The near-duplicate group of the article (the id of its first stored member); "
        "results never share one unless NEWSBOT_COLLAPSE_NEAR_DUPLICATES is off."
    )


class SearchResponse(BaseModel):
    results: list[SearchResult]


class CitationContextOut(BaseModel):
    """A cited passage with the article text just before and after it."""

    id: str
    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    quote: str
    start: int
    end: int
    before: str = Field(description="Article text just before `start`.")
    after: str = Field(description="Article text just after `end`.")


class ArticleOut(BaseModel):
    id: str
    title: str
    text: str
    url: str
    published: str | None
    source: str
    author: str
    aliases: list[str] = Field(description="Ids of exact duplicates stored as this article.")


class SourceOut(BaseModel):
    name: str = Field(examples=["bbc"])
    articles: int
    oldest: date | None = Field(description="The earliest published date; null when none.")
    newest: date | None = Field(description="The latest published date; null when none.")
    undated: int = Field(
        description="Articles without a published date (no date filter finds them)."
    )


class SourcesResponse(BaseModel):
    sources: list[SourceOut]


class ArticleSummary(BaseModel):
    id: str
    title: str
    url: str
    published: date | None
    source: str
    author: str


class ArticlesPage(BaseModel):
    articles: list[ArticleSummary] = Field(description="In id order.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ArticleIn(BaseModel):
    """One article, as in a `.json` file; `text` (or `body`) is required."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "anyOf": [{"required": ["text"]}, {"required": ["body"]}],
            "examples": [
                {
                    "id": "wire/2022-03-01-talks.json",
                    "title": "Talks to resume on Monday",
                    "text": "Negotiators will meet again on Monday, officials said.",
                    "url": "https://example.org/talks",
                    "published": "2022-03-01",
                    "source": "wire",
                    "author": "A. Reporter",
                }
            ],
        },
    )

    id: str | None = Field(None, max_length=500, description="Default: derived from the text.")
    title: str | None = Field(None, description="Default: the first words of the text.")
    text: str | None = Field(None, min_length=1, pattern=NOT_BLANK)
    body: str | None = Field(None, min_length=1, pattern=NOT_BLANK, description="Alias of text.")
    url: str | None = None
    published: str | None = Field(
        None,
        description="A date (2022-03-01) or a date and time (2022-03-01T09:30:00Z); an article "
        "with any other value is listed under `failed` while the others are ingested.",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {"type": "null"},
            ]
        },
    )
    source: str | None = None
    author: str | None = None

    def record(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Problem(BaseModel):
    where: str
    reason: str


class IngestResponse(BaseModel):
    new: int
    updated: int
    unchanged: int
    duplicate: int
    pruned: int
    files: int
    chunks_added: int
    chunks_removed: int
    seconds: float
    failed: list[Problem]
    warnings: list[Problem]
    conflicts: list[Problem] = Field(
        description="Articles whose id already holds other text from elsewhere: not replaced."
    )


class UrlIngestRequest(_Strict):
    url: str = Field(
        max_length=2000,
        pattern=r"^https?://",
        description="An article page or an RSS/Atom feed (http or https).",
        examples=["https://www.example.org/news/rss.xml"],
    )
    source: SourceName | None = Field(
        None, description="Source name of its articles; default: each page's site name."
    )


class FeedIn(UrlIngestRequest):
    """A feed to follow: the URL and source as for a URL ingest, and how often to check it."""

    every: str | None = Field(
        None,
        max_length=20,
        pattern=r"^\s*0*[1-9]\d{0,5}(\.\d+)?\s*[smhd]?\s*$",
        description="How often to check it: 30m, 2h, 1d; default NEWSBOT_FEED_EVERY.",
        examples=["30m"],
    )


class FeedDeleted(BaseModel):
    url: str
    deleted: Literal[True] = True


class FeedOut(BaseModel):
    url: str
    source: str
    every_s: float
    last_checked: float | None = Field(description="Unix time of the last check; null: never.")
    last_ok: float | None
    last_error: str
    failures: int = Field(description="Failed checks in a row; each doubles the wait.")
    next_due: float
    articles: int


class FeedsResponse(BaseModel):
    feeds: list[FeedOut]


class DeleteResponse(BaseModel):
    id: str
    deleted: Literal[True] = True


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    status: Literal["ready"] = "ready"
    articles: int
    chunks: int
    answer_modes: list[str]


class TokenEvent(BaseModel):
    """`event: token`: the next piece of the answer text."""

    text: str


class CitationsEvent(BaseModel):
    """`event: citations`: the answer's numbered sources, as in `POST /v1/ask`."""

    citations: list[CitationOut]


class DoneEvent(BaseModel):
    """`event: done`: the whole answer, last."""

    answer: str
    answerable: bool
    short_answer: ShortAnswerOut | None = None
    answer_type: str | None = None
    conversation_id: str
    timings_ms: dict[str, float]


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no citation with id 'x'"])


class ErrorResponse(BaseModel):
    error: ErrorDetail
