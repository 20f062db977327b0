"""Writes, behind an API key: ingest articles sent as JSON, delete an article."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from bot.api.deps import ArchiveDep, MetricsDep, StateDep
from bot.api.errors import ApiError
from bot.api.openapi import error_responses
from bot.api.schemas import (
    ArticleIn,
    DeleteResponse,
    FeedDeleted,
    FeedIn,
    FeedOut,
    FeedsResponse,
    IngestResponse,
    UrlIngestRequest,
)
from index.articles import Article
from index.ingestion.feeds import parse_every
from index.ingestion.loaders import Problem, article_from_record

router = APIRouter(prefix="/v1", tags=["admin"])
MAX_ARTICLES_PER_REQUEST = 1000

ArticleList = Annotated[list[ArticleIn], Field(min_length=1, max_length=MAX_ARTICLES_PER_REQUEST)]
Articles = Annotated[
    ArticleIn | ArticleList,
    Body(description="One article, or a list of them, in the `.json` file schema."),
]


def _default_id(item: ArticleIn) -> str:
    """Ids for articles sent without one: the same text always gets the same id."""
    text = (item.text or item.body or "").strip()
    return "api/" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _parse(items: list[ArticleIn], max_bytes: int) -> tuple[list[Article], list[Problem]]:
    """Articles ready to ingest (the last one wins when an id repeats) and what was refused."""
    by_id: dict[str, Article] = {}
    refused: list[Problem] = []
    for n, item in enumerate(items, start=1):
        where = item.id or f"#{n}"
        try:
            article = article_from_record(item.record(), _default_id(item), default_source="api")
        except ValueError as exc:
            refused.append(Problem(where, str(exc)))
            continue
        if len(article.text.encode()) > max_bytes:
            refused.append(Problem(where, f"text is over the {max_bytes / 1e6:.1f} MB limit"))
            continue
        if article.id in by_id:
            refused.append(Problem(f"#{n}", f"id {article.id!r} repeats; the last one is kept"))
        by_id[article.id] = article
    return list(by_id.values()), refused


@router.post(
    "/ingest",
    summary="Add or update articles",
    responses=error_responses(400, 401, 403, 413, 422, 429, 503),
)
def ingest(
    payload: Articles, archive: ArchiveDep, state: StateDep, metrics: MetricsDep
) -> IngestResponse:
    """Idempotent: unchanged articles are skipped, changed ones re-indexed, exact duplicates
    stored as aliases. Articles that cannot be read are listed under `failed`; when none
    can be, nothing is written and the answer is a 422 saying why."""
    items = payload if isinstance(payload, list) else [payload]
    max_bytes = int(state.settings.max_file_mb * 1_000_000)
    articles, refused = _parse(items, max_bytes)
    if not articles:
        reasons = "; ".join(f"{p.where}: {p.reason}" for p in refused[:5])
        raise ApiError(422, "no_valid_articles", f"no article could be read ({reasons})")
    report = archive.ingestor.ingest_articles(articles)
    report.failed[:0] = refused
    metrics.observe_ingest(report)
    return IngestResponse.model_validate(report.as_dict())


@router.delete(
    "/articles/{article_id:path}",
    summary="Delete an article",
    responses=error_responses(401, 403, 404, 422, 429, 503),
)
def delete_article(
    article_id: Annotated[str, Path(max_length=500, examples=["business/010.txt"])],
    archive: ArchiveDep,
    metrics: MetricsDep,
) -> DeleteResponse:
    """Removes the article, its chunks and vectors; deleting an alias leaves the article."""
    deleted = archive.ingestor.delete(article_id)
    if not deleted:
        raise ApiError(404, "article_not_found", f"no article with id {article_id!r}")
    metrics.deleted.inc()
    return DeleteResponse(id=article_id)


@router.post(
    "/ingest/url",
    summary="Add the article on a web page, or every item of a feed",
    responses=error_responses(400, 401, 403, 413, 422, 429, 503),
)
async def ingest_url(
    request: UrlIngestRequest, archive: ArchiveDep, metrics: MetricsDep
) -> IngestResponse:
    """Fetches the URL (never a loopback, private or link-local address, also after redirects,
    unless the server sets NEWSBOT_FETCH_ALLOW_PRIVATE=true; robots.txt is obeyed). A page
    gives one article (its text, headline, date, author and site); a feed gives the article of
    each item's page. What cannot be fetched or read is listed under `failed`."""
    report = await run_in_threadpool(archive.web.ingest_url, request.url, request.source)
    metrics.observe_ingest(report)
    return IngestResponse.model_validate(report.as_dict())


@router.get(
    "/feeds",
    summary="The feeds followed and how each is doing",
    responses=error_responses(401, 403, 429),
)
def feeds(archive: ArchiveDep) -> FeedsResponse:
    """Each feed with its last check, last error (empty when it worked), failures in a row and
    next try; add and remove feeds with `newsbot feeds`."""
    return FeedsResponse(feeds=[FeedOut.model_validate(f.as_dict()) for f in archive.feeds.all()])


@router.post(
    "/feeds",
    summary="Follow a feed",
    status_code=201,
    responses=error_responses(400, 401, 403, 413, 422, 429),
)
def follow_feed(request: FeedIn, archive: ArchiveDep, state: StateDep) -> FeedOut:
    """The feed is checked when due (now, first), by `newsbot serve` or `newsbot watch`;
    following one already followed updates its source and interval."""
    try:
        every = parse_every(request.every or state.settings.feed_every)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"every: {exc}") from None
    archive.feeds.add(request.url, request.source or "", every)
    followed = archive.feeds.get(request.url)
    assert followed is not None
    return FeedOut.model_validate(followed.as_dict())


@router.delete(
    "/feeds",
    summary="Stop following a feed",
    responses=error_responses(401, 403, 404, 422, 429),
)
def unfollow_feed(
    url: Annotated[str, Query(max_length=2000, description="The feed's address.")],
    archive: ArchiveDep,
) -> FeedDeleted:
    """Its articles stay in the archive."""
    if not archive.feeds.remove(url):
        raise ApiError(404, "feed_not_found", f"not following {url!r}")
    return FeedDeleted(url=url)
