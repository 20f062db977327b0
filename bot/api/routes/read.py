"""Read-only views of the archive: passage search, a citation in context, a whole article."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bot.api.deps import ServiceDep, StateDep
from bot.api.errors import ApiError
from bot.api.openapi import error_responses
from bot.api.schemas import (
    ArticleOut,
    CitationContextOut,
    SearchRequest,
    SearchResponse,
    SearchResult,
)

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
    responses=error_responses(401, 404, 422, 429),
)
def citation(
    citation_id: Annotated[str, Path(max_length=300, examples=["0a1b2c3d4e5f6a7b:120-980"])],
    service: ServiceDep,
    state: StateDep,
) -> CitationContextOut:
    """The passage a citation `id` names, its article's metadata, and the text just before
    and after it (`NEWSBOT_CITATION_CONTEXT_CHARS` characters each way)."""
    found = service.citation(citation_id, state.settings.citation_context_chars)
    if found is None:
        raise ApiError(404, "citation_not_found", f"no citation with id {citation_id!r}")
    return CitationContextOut.model_validate(found, from_attributes=True)


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
