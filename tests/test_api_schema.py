"""Schemathesis against /openapi.json over real HTTP: no server errors, answers match the schema.

Each operation gets generated valid (positive) and schema-violating (negative) requests; every
response is checked by schemathesis's checks (no 5xx, documented status, content type and
body schema, invalid data rejected with a 4xx, valid data accepted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.api_support import API_KEY, LiveApi, live_api, seeded_parts

OPERATIONS = [
    ("POST", "/v1/ask"),
    ("POST", "/v1/ask/stream"),
    ("POST", "/v1/search"),
    ("GET", "/v1/citations/{citation_id}"),
    ("GET", "/v1/articles/{article_id}"),
    ("DELETE", "/v1/articles/{article_id}"),
    ("POST", "/v1/ingest"),
    ("POST", "/v1/ingest/url"),
    ("POST", "/v1/chat/completions"),
    ("GET", "/v1/models"),
    ("GET", "/v1/models/{model}"),
    ("GET", "/v1/sources"),
    ("GET", "/v1/articles"),
    ("GET", "/v1/feeds"),
    ("POST", "/v1/feeds"),
    ("DELETE", "/v1/feeds"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
]
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 30}
MIN_REQUESTS = 500
REQUESTS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """Its own data dir: generated ingests and deletes must not touch other tests' index."""
    with (
        seeded_parts(tmp_path_factory.mktemp("api-fuzz") / "data") as parts,
        live_api(parts, api_keys=[API_KEY], rate_limit="") as api,
    ):
        yield api


@pytest.fixture(scope="module")
def api_schema(fuzzed_api: LiveApi) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed_api.url}/openapi.json")


def _has_inputs(operation: Any) -> bool:
    return bool(operation.body) or any(True for _ in operation.iter_parameters())


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_schema(
    api_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
        pytest.skip("nothing to get wrong: the operation takes no input")
    excluded = []
    if path == "/v1/ingest":
        # The schema cannot say which date strings (or texts) the article parser accepts;
        # a request whose every article is unreadable is rightly refused with a 422. And
        # articles are checked one by one: in a list, the bad ones are reported under
        # `failed` while the good ones are ingested (200), by design.
        excluded.extend([positive_data_acceptance, negative_data_rejection])
    if path == "/v1/citations/{citation_id}":
        # 410 is this operation's documented answer for a citation whose article has since
        # changed or been deleted (other cases ingest and delete as they go)
        excluded.append(positive_data_acceptance)
    if path == "/v1/articles" and method == "GET":
        # A query string has no types: "?source=0.67" names a source called "0.67", which
        # schemathesis takes for a number sent where a string belongs.
        excluded.append(negative_data_rejection)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {API_KEY}"}, excluded_checks=excluded, timeout=60
        )
        REQUESTS[f"{method} {path}"] += 1

    check()


def test_stateful_sequences_conform_to_the_schema(api_schema: Any) -> None:
    """Search → citation, article; browse → article; answer → its citation and article:
    sequences that follow the schema's links, every response checked. (A generated question
    is nearly always declined, so an answer's links are followed here rarely; tests/test_api.py
    follows them from a real answer.) Only operations that
    leave the archive as it is take part: Hypothesis replays scenarios, and a step that
    ingested or deleted would make the replay see another archive. The OpenAI-shaped routes
    (/v1/chat, /v1/models) have no links and are checked above: among the steps they took
    most of the 100 and left too few for the links (no citation followed in one full run)."""
    readers = api_schema.exclude(path_regex="^/v1/(ingest|feeds|chat|models)").exclude(
        method="DELETE"
    )
    followed: Counter[tuple[str, int]] = Counter()

    class WithKey(readers.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {API_KEY}"}, "timeout": 60}

        def after_call(self, response: Any, case: Any) -> None:
            followed[(case.operation.path, response.status_code)] += 1

    WithKey.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=4,
            deadline=None,
            database=None,
            # one fixed sequence: drawn afresh, a run whose searches all matched nothing (random
            # filters) followed no citation about once in eight
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    # links were followed: citations and articles named by earlier answers were found
    assert followed[("/v1/citations/{citation_id}", 200)] >= 1, followed
    assert followed[("/v1/articles/{article_id}", 200)] >= 1, followed


def test_schemathesis_sent_enough_requests() -> None:
    if len(REQUESTS) < len(OPERATIONS):
        pytest.skip("counts only when every operation above ran in this session")
    assert sum(REQUESTS.values()) >= MIN_REQUESTS, REQUESTS
