"""Prometheus metrics for one app: requests, latency, answers and ingests (own registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.models import Answer
from index.ingestion.ingest import IngestReport

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ApiMetrics:
    """A registry per app, so several apps (tests, workers) never collide on metric names."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "newsbot_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "newsbot_http_request_duration_seconds",
            "Time to the end of the response, by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "newsbot_answers",
            "Answers given, by mode and whether the archive could answer.",
            ["mode", "answerable"],
            registry=self.registry,
        )
        self.answer_latency = Histogram(
            "newsbot_answer_duration_seconds",
            "Time the answering service took per answer (retrieve + compose).",
            ["mode"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "newsbot_ingested_articles",
            "Articles sent to POST /v1/ingest, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.deleted = Counter(
            "newsbot_deleted_articles", "Articles deleted over the API.", registry=self.registry
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_answer(self, mode: str, answer: Answer) -> None:
        self.answers.labels(mode, str(answer.answerable).lower()).inc()
        total_ms = answer.timings_ms.get("total")
        if total_ms is not None:
            self.answer_latency.labels(mode).observe(total_ms / 1000)

    def observe_ingest(self, report: IngestReport) -> None:
        outcomes = {
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "duplicate": report.duplicate,
            "failed": len(report.failed),
        }
        for outcome, count in outcomes.items():
            if count:
                self.ingested.labels(outcome).inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
