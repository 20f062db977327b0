"""Read-only views of the archive: passage search, a citation in context, a whole article."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from bot.api.deps import ServiceDep, StateDep
from bot.api.errors import ApiError
from bot.api.openapi import error_responses
from bot.api.schemas import (
    SOURCES_MAX,
    ArticleOut,
    ArticlesPage,
    ArticleSummary,
    CitationContextOut,
    IsoDate,
    SearchRequest,
    SearchResponse,
    SearchResult,
    SourceOut,
    SourcesResponse,
)
from index.search.retrieval import SearchFilters

router = APIRouter(prefix="/v1", tags=["archive"])


@router.post(
    "/search",
    summary="The best passages for a query",
    responses=error_responses(400, 401, 413, 422, 429, 503),
)
def search(request: SearchRequest, service: ServiceDep) -> SearchResponse:
    """Dense + BM25 retrieval, fused; one passage per story (an article and its near-duplicates),
    best first."""
    filters = request.filters.to_search_filters() if request.filters else None
    passages = service.search(request.query, top_k=request.top_k, filters=filters)
    return SearchResponse(results=[SearchResult.model_validate(p.as_dict()) for p in passages])


@router.get(
    "/citations/{citation_id}",
    summary="A cited passage with the text around it",
    responses=error_responses(401, 404, 410, 422, 429),
)
def citation(
    citation_id: Annotated[str, Path(max_length=300, examples=["0a1b2c3d4e5f6a7b:120-980"])],
    service: ServiceDep,
    state: StateDep,
) -> CitationContextOut:
    """Exactly the passage a citation `id` names (`quote` is the article's text from `start`
    to `end`), its article's metadata, and the text just before and after it
    (`NEWSBOT_CITATION_CONTEXT_CHARS` characters each way). Ids stay valid while the article's
    text is unchanged: 410 once it has changed or been deleted, 404 for ids never handed out."""
    found = service.citation(citation_id, state.settings.citation_context_chars)
    if found is None:
        was = service.citation_retired(citation_id)
        if was is not None:
            raise ApiError(
                410,
                "citation_gone",
                f"article {was!r} has changed or been deleted since it was cited",
            )
        raise ApiError(404, "citation_not_found", f"no citation with id {citation_id!r}")
    return CitationContextOut.model_validate(found, from_attributes=True)


@router.get(
    "/sources",
    summary="The archive's sources",
    responses=error_responses(401, 429),
)
def sources(service: ServiceDep) -> SourcesResponse:
    """Every source name with its article count and the dates of its oldest and newest
    articles; `undated` counts the articles no date filter can find."""
    return SourcesResponse(
        sources=[SourceOut.model_validate(s, from_attributes=True) for s in service.sources()]
    )


BROWSE_LIMIT_MAX = 100


@router.get(
    "/articles",
    summary="Browse articles",
    responses=error_responses(401, 422, 429),
)
def browse(
    service: ServiceDep,
    source: Annotated[
        list[str] | None,
        Query(max_length=SOURCES_MAX, description="Only this source (repeatable)."),
    ] = None,
    after: Annotated[IsoDate | None, Query(description="Published on or after this day.")] = None,
    before: Annotated[IsoDate | None, Query(description="Published on or before this day.")] = None,
    limit: Annotated[int, Query(ge=1, le=BROWSE_LIMIT_MAX)] = 20,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=r"^([0-9a-f]{2})*$",
            description="`next_cursor` of the previous page.",
        ),
    ] = None,
) -> ArticlesPage:
    """Articles' metadata in id order, filtered like search (a date filter leaves undated
    articles out), a page at a time."""
    filters = SearchFilters(tuple(source or ()), after, before)
    found = service.browse(filters, limit + 1, _cursor_id(cursor) if cursor else "")
    page = found[:limit]
    more = len(found) > limit
    return ArticlesPage(
        articles=[ArticleSummary.model_validate(a, from_attributes=True) for a in page],
        next_cursor=_cursor(page[-1].id) if more and page else None,
    )


def _cursor(article_id: str) -> str:
    """A page's end as an opaque cursor (the last id, hex): any cursor of that form is valid."""
    return article_id.encode().hex()


def _cursor_id(cursor: str) -> str:
    return bytes.fromhex(cursor).decode("utf-8", errors="replace")


@router.get(
    "/articles/{article_id:path}",
    summary="An article's metadata and text",
    responses=error_responses(401, 404, 422, 429),
)
def article(
    article_id: Annotated[str, Path(max_length=500, examples=["business/010.txt"])],
    service: ServiceDep,
) -> ArticleOut:
    """Article ids may contain `/`; an alias (the id of an exact duplicate) finds the
    article it duplicates."""
    found = service.article(article_id)
    if found is None:
        raise ApiError(404, "article_not_found", f"no article with id {article_id!r}")
    return ArticleOut(
        id=found.id, title=found.title, text=found.text, url=found.url,
        published=found.published.isoformat() if found.published else None,
        source=found.source, author=found.author, aliases=list(found.aliases),
    )  # fmt: skip
