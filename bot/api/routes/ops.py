"""Probes and metrics for whoever runs the service: /healthz, /readyz, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bot.api.deps import ArchiveDep, MetricsDep, ServiceDep
from bot.api.metrics import CONTENT_TYPE
from bot.api.openapi import error_responses
from bot.api.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> HealthResponse:
    """Answers as long as the event loop runs; it touches nothing else."""
    return HealthResponse()


@router.get("/readyz", summary="The index is loaded and the vector store reachable",
            responses=error_responses(503))  # fmt: skip
def readyz(service: ServiceDep, archive: ArchiveDep) -> ReadyResponse:
    """503 while the vector store cannot be reached; 200 again as soon as it can."""
    archive.vectors.count()  # raises StoreUnavailable → 503
    archive.retriever.lexical()  # BM25 loaded (or rebuilt) for the current catalog
    counts = archive.catalog.counts()
    return ReadyResponse(
        articles=counts["articles"], chunks=counts["chunks"], answer_modes=service.modes
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(metrics: MetricsDep) -> Response:
    """Requests by route and status, latency histograms, answers and ingests."""
    return Response(metrics.render(), media_type=CONTENT_TYPE)
