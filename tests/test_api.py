"""The REST API's read side over real HTTP: uvicorn on loopback, the seeds index, httpx."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.api_support import ApiParts, LiveApi, assert_error, live_api, parse_sse

SUMMIT = "When will the negotiations in Saudi Arabia take place?"


@pytest.fixture(scope="module")
def api(api_parts: ApiParts) -> Iterator[LiveApi]:
    with live_api(api_parts, rate_limit="") as running:
        yield running


@pytest.fixture(scope="module")
def http(api: LiveApi) -> Iterator[httpx.Client]:
    with api.client() as client:
        yield client


def assert_citation_matches_article(http: httpx.Client, citation: dict[str, object]) -> None:
    article = http.get(f"/v1/articles/{citation['article_id']}").json()
    start, end = int(citation["start"]), int(citation["end"])  # type: ignore[call-overload]
    assert article["text"][start:end] == citation["quote"]


# -- /v1/ask ---------------------------------------------------------------------------------


def test_ask_answers_with_citations_that_quote_the_article_exactly(http: httpx.Client) -> None:
    response = http.post("/v1/ask", json={"question": SUMMIT, "mode": "extractive"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "answer", "answerable", "short_answer", "answer_type", "citations", "conversation_id",
        "timings_ms",
    }  # fmt: skip
    assert body["answerable"] is True
    assert "February 18" in body["answer"]
    assert body["citations"], body
    fields = {"n", "id", "article_id", "title", "source", "url", "published", "quote"}
    for n, citation in enumerate(body["citations"], start=1):
        assert fields | {"start", "end", "score"} == set(citation)
        assert citation["n"] == n and f"[{n}]" in body["answer"]
        assert_citation_matches_article(http, citation)
    assert body["timings_ms"]["total"] > 0


def test_ask_declines_when_the_archive_has_nothing(http: httpx.Client) -> None:
    body = http.post("/v1/ask", json={"question": "What is the recipe for sourdough bread?"}).json()
    assert body["answerable"] is False
    assert body["citations"] == []


def test_ask_filters_apply(http: httpx.Client) -> None:
    # The seeds carry no publication date, so a date filter leaves nothing to cite.
    filtered = http.post(
        "/v1/ask", json={"question": SUMMIT, "filters": {"published_after": "2000-01-01"}}
    ).json()
    assert filtered["answerable"] is False and filtered["citations"] == []
    assert "4 undated articles cannot match a date" in filtered["answer"]
    by_source = http.post(
        "/v1/ask", json={"question": SUMMIT, "filters": {"source": ["seeds"]}}
    ).json()
    assert by_source["answerable"] is True and by_source["citations"]
    assert {c["source"] for c in by_source["citations"]} == {"seeds"}
    elsewhere = http.post(
        "/v1/ask", json={"question": SUMMIT, "filters": {"source": "wire"}}
    ).json()
    assert elsewhere["answer"] == "No articles match source=wire."


def test_follow_ups_keep_their_conversation(api: LiveApi, http: httpx.Client) -> None:
    first = http.post("/v1/ask", json={"question": "Who met in Saudi Arabia?"}).json()
    conversation = first["conversation_id"]
    assert conversation
    second = http.post(
        "/v1/ask", json={"question": "When did they meet?", "conversation_id": conversation}
    )
    assert second.status_code == 200, second.text
    assert second.json()["conversation_id"] == conversation
    # The server kept both turns, in order, under that id: the history a follow-up is given.
    store = api.app.state.newsbot.conversations
    turns = store.history(conversation, owner="")
    assert [t.question for t in turns] == ["Who met in Saudi Arabia?", "When did they meet?"]
    assert turns[0].answer == first["answer"]
    other = http.post("/v1/ask", json={"question": "Who met in Saudi Arabia?"}).json()
    assert other["conversation_id"] != conversation


def test_unknown_conversation_is_404(http: httpx.Client) -> None:
    response = http.post(
        "/v1/ask", json={"question": SUMMIT, "conversation_id": "no-such-conversation"}
    )
    assert "conversation" in assert_error(response, 404, "conversation_not_found")


def test_unavailable_mode_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/ask", json={"question": SUMMIT, "mode": "llm"})
    assert "NEWSBOT_LLM_URL" in assert_error(response, 400, "mode_unavailable")


# -- /v1/ask/stream ----------------------------------------------------------------------------


def test_stream_sends_tokens_then_citations_then_done(http: httpx.Client) -> None:
    with http.stream("POST", "/v1/ask/stream", json={"question": SUMMIT}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = parse_sse(body)
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and names[:-2], names
    assert set(names[:-2]) == {"token"}
    text = "".join(json.loads(data)["text"] for name, data in events if name == "token")
    citations = json.loads(events[-2][1])["citations"]
    done = json.loads(events[-1][1])
    assert done["answer"] == text and done["answerable"] is True
    assert done["conversation_id"] == response.headers["x-conversation-id"]
    # The same answer and citations as the non-streaming endpoint gives.
    plain = http.post("/v1/ask", json={"question": SUMMIT}).json()
    assert plain["answer"] == text
    assert [c["id"] for c in plain["citations"]] == [c["id"] for c in citations]
    for citation in citations:
        assert_citation_matches_article(http, citation)


def test_stream_errors_before_the_stream_are_plain_http_errors(http: httpx.Client) -> None:
    response = http.post("/v1/ask/stream", json={"question": SUMMIT, "mode": "llm"})
    assert_error(response, 400, "mode_unavailable")
    assert_error(http.post("/v1/ask/stream", json={"question": ""}), 422, "invalid_request")


def test_stream_continues_a_conversation(api: LiveApi, http: httpx.Client) -> None:
    first = http.post("/v1/ask", json={"question": "Who met in Saudi Arabia?"}).json()
    body = http.post(
        "/v1/ask/stream",
        json={"question": "When was it?", "conversation_id": first["conversation_id"]},
    ).text
    done = json.loads(parse_sse(body)[-1][1])
    assert done["conversation_id"] == first["conversation_id"]
    turns = api.app.state.newsbot.conversations.history(first["conversation_id"], owner="")
    assert [t.question for t in turns] == ["Who met in Saudi Arabia?", "When was it?"]


# -- /v1/search, /v1/citations, /v1/articles -------------------------------------------------


def test_search_returns_passages_best_first(http: httpx.Client) -> None:
    response = http.post("/v1/search", json={"query": "Lavrov Rubio Saudi Arabia", "top_k": 3})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    keys = {"id", "article_id", "title", "source", "url", "published", "text", "start", "end"}
    assert set(results[0]) == keys | {"score", "story_id"}
    assert results[0]["article_id"] == "003_8e9a2609f1a46fa1.txt"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert len({r["article_id"] for r in results}) == len(results)  # one per article
    assert len({r["story_id"] for r in results}) == len(results)  # and one per story
    article = http.get(f"/v1/articles/{results[0]['article_id']}").json()
    assert article["text"][results[0]["start"] : results[0]["end"]] == results[0]["text"]


def test_search_top_k_and_filters(http: httpx.Client) -> None:
    one = http.post("/v1/search", json={"query": "peace talks", "top_k": 1}).json()["results"]
    assert len(one) == 1
    only = http.post(
        "/v1/search", json={"query": "peace talks", "top_k": 5, "filters": {"source": "seeds"}}
    ).json()["results"]
    assert only and {r["source"] for r in only} == {"seeds"}
    elsewhere = http.post(
        "/v1/search", json={"query": "peace talks", "filters": {"source": ["wire", "bbc"]}}
    ).json()["results"]
    assert elsewhere == []
    dated = http.post(
        "/v1/search", json={"query": "peace talks", "filters": {"published_after": "2000-01-01"}}
    ).json()["results"]
    assert dated == []  # the seeds have no dates


def test_citation_shows_the_passage_in_context(http: httpx.Client) -> None:
    passage = http.post("/v1/search", json={"query": "Lavrov", "top_k": 1}).json()["results"][0]
    response = http.get(f"/v1/citations/{passage['id']}")
    assert response.status_code == 200, response.text
    context = response.json()
    assert context["id"] == passage["id"] and context["quote"] == passage["text"]
    article = http.get(f"/v1/articles/{passage['article_id']}").json()
    start, end = context["start"], context["end"]
    assert article["text"][start - len(context["before"]) : start] == context["before"]
    assert article["text"][end : end + len(context["after"])] == context["after"]
    assert context["title"] == article["title"]


def test_each_citation_names_its_exact_quote(http: httpx.Client) -> None:
    body = http.post("/v1/ask", json={"question": SUMMIT}).json()
    for cited in body["citations"]:
        found = http.get(f"/v1/citations/{cited['id']}").json()
        assert found["quote"] == cited["quote"]  # the sentence, not the chunk around it
        assert (found["start"], found["end"]) == (cited["start"], cited["end"])
    assert len({c["id"] for c in body["citations"]}) == len(body["citations"])


def test_unknown_citation_and_article_are_404(http: httpx.Client) -> None:
    assert_error(http.get("/v1/citations/0a1b2c3d4e5f6a7b:120-980"), 404, "citation_not_found")
    assert_error(http.get("/v1/citations/not-an-id"), 404, "citation_not_found")
    assert_error(http.get("/v1/articles/no/such/article.txt"), 404, "article_not_found")


def test_article_has_metadata_and_text(http: httpx.Client) -> None:
    response = http.get("/v1/articles/003_8e9a2609f1a46fa1.txt")
    assert response.status_code == 200
    article = response.json()
    assert article["title"].startswith("Ongoing discussions between Russia and the USA")
    assert "February 18" in article["text"]
    assert set(article) == {
        "id", "title", "text", "url", "published", "source", "author", "aliases",
    }  # fmt: skip


def test_sources_name_each_source_with_its_count_and_dates(http: httpx.Client) -> None:
    response = http.get("/v1/sources")
    assert response.status_code == 200, response.text
    [seeds] = response.json()["sources"]  # the seeds folder's name is their source
    assert seeds == {"name": "seeds", "articles": 4, "oldest": None, "newest": None, "undated": 4}


def test_articles_browse_in_pages_with_filters(http: httpx.Client) -> None:
    first = http.get("/v1/articles", params={"limit": 3}).json()
    assert len(first["articles"]) == 3 and first["next_cursor"]
    assert set(first["articles"][0]) == {"id", "title", "url", "published", "source", "author"}
    rest = http.get("/v1/articles", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(rest["articles"]) == 1 and rest["next_cursor"] is None
    ids = [a["id"] for a in first["articles"] + rest["articles"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert http.get("/v1/articles", params={"source": "nowhere"}).json()["articles"] == []
    dated = http.get("/v1/articles", params={"after": "2000-01-01"}).json()  # all undated
    assert dated == {"articles": [], "next_cursor": None}
    assert_error(http.get("/v1/articles", params={"cursor": "%%%"}), 422)
    assert_error(http.get("/v1/articles", params={"limit": 0}), 422)
    assert_error(http.get("/v1/articles", params={"after": "last week"}), 422)


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "says"),
    [
        ("GET", "/v2/nothing", {}, 404, "not_found", "/v2/nothing"),
        ("PUT", "/v1/search", {}, 405, "method_not_allowed", "POST"),
        ("GET", "/v1/ask", {}, 405, "method_not_allowed", "POST"),
        ("POST", "/v1/search", {"content": b"{not json", "headers": {"content-type":
            "application/json"}}, 400, "malformed_json", "JSON"),
        ("POST", "/v1/search", {}, 422, "invalid_request", "body is required"),
        ("POST", "/v1/search", {"json": {"query": "x", "top_k": 0}}, 422, None, "top_k"),
        ("POST", "/v1/search", {"json": {"query": "x", "top_k": 51}}, 422, None, "top_k"),
        ("POST", "/v1/search", {"json": {"query": "x", "top_k": "5"}}, 422, None, "top_k"),
        ("POST", "/v1/search", {"json": {"query": "x", "extra": 1}}, 422, None, "extra"),
        ("POST", "/v1/ask", {"json": {"question": "x" * 1001}}, 422, None, "question"),
        ("POST", "/v1/ask", {"json": {"question": "   "}}, 422, None, "question"),
        ("POST", "/v1/ask", {"json": {"question": 42}}, 422, None, "question"),
        ("POST", "/v1/ask", {"json": ["a list"]}, 422, None, "object"),
        ("POST", "/v1/ask", {"json": {"question": "x", "mode": "poetry"}}, 422, None, "mode"),
        ("POST", "/v1/ask", {"json": {"question": "x", "filters": {"published_after":
            "last week"}}}, 422, None, "published_after"),
        ("POST", "/v1/ask", {"json": {"question": "x", "filters": {"published_after":
            20220101}}}, 422, None, "published_after"),
        ("POST", "/v1/ask", {"json": {"question": "x", "conversation_id": "../../etc"}},
            422, None, "conversation_id"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_4xx_with_a_message(
    http: httpx.Client,
    method: str,
    path: str,
    kwargs: dict[str, object],
    status: int,
    code: str | None,
    says: str,
) -> None:
    message = assert_error(http.request(method, path, **kwargs), status, code)  # type: ignore[arg-type]
    assert says in message


def test_body_over_the_limit_is_413(api_parts: ApiParts) -> None:
    with live_api(api_parts, max_body_mb=0.001) as small, small.client() as http:
        big = {"question": "x", "padding": "y" * 5000}
        assert_error(http.post("/v1/ask", json=big), 413, "body_too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"question": "'
            for _ in range(10):
                yield b"z" * 500
            yield b'"}'

        response = http.post(
            "/v1/ask", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_error(response, 413, "body_too_large")
        assert http.post("/v1/search", json={"query": "summit"}).status_code == 200


# -- request ids, CORS, probes, metrics ------------------------------------------------------


def test_request_id_is_echoed_or_issued(http: httpx.Client) -> None:
    given = http.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    assert given.headers["x-request-id"] == "trace-abc-123"
    issued = http.get("/healthz")
    assert len(issued.headers["x-request-id"]) == 32
    assert issued.headers["x-request-id"] != http.get("/healthz").headers["x-request-id"]
    unsafe = http.get("/healthz", headers={"X-Request-ID": "evil\tvalue"})
    assert unsafe.headers["x-request-id"] != "evil\tvalue"
    assert http.get("/nowhere").headers["x-request-id"]  # errors carry one too


def test_cors_is_off_by_default_and_configurable(http: httpx.Client, api_parts: ApiParts) -> None:
    origin = {"Origin": "https://news.example"}
    assert "access-control-allow-origin" not in http.get("/healthz", headers=origin).headers
    with live_api(api_parts, cors_origins=["https://news.example"]) as api, api.client() as c:
        response = c.get("/healthz", headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://news.example"
        preflight = c.options(
            "/v1/ask",
            headers={**origin, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"},
        )  # fmt: skip
        assert preflight.status_code == 200
        other = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_health_and_readiness(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready", "articles": 4, "chunks": ready.json()["chunks"],
        "answer_modes": ["extractive"],
    }  # fmt: skip
    assert ready.json()["chunks"] > 4


def test_metrics_count_requests_and_answers(http: httpx.Client) -> None:
    def sample(text: str, prefix: str) -> float:
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
        )

    before = http.get("/metrics").text
    http.post("/v1/ask", json={"question": SUMMIT})
    http.get("/v1/citations/nope")
    after = http.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    ask_ok = 'newsbot_http_requests_total{method="POST",route="/v1/ask",status="200"}'
    assert sample(text, ask_ok) == sample(before, ask_ok) + 1
    missing = 'newsbot_http_requests_total{method="GET",route="/v1/citations/{citation_id}",'
    assert sample(text, missing + 'status="404"}') >= 1
    answered = 'newsbot_answers_total{answerable="true",mode="extractive"}'
    assert sample(text, answered) == sample(before, answered) + 1
    http.get("/docs")
    http.get("/openapi.json")
    labelled = http.get("/metrics").text
    for route in ("/docs", "/openapi.json"):
        assert sample(labelled, f'newsbot_http_requests_total{{method="GET",route="{route}"') >= 1
    assert "newsbot_http_request_duration_seconds_bucket" in text
    assert "newsbot_answer_duration_seconds_count" in text


def test_openapi_documents_every_endpoint_with_examples(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert operations >= {
        ("POST", "/v1/ask"), ("POST", "/v1/ask/stream"), ("POST", "/v1/search"),
        ("GET", "/v1/citations/{citation_id}"), ("GET", "/v1/articles/{article_id}"),
        ("DELETE", "/v1/articles/{article_id}"), ("POST", "/v1/ingest"),
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/v1/sources"),
        ("GET", "/v1/articles"),
    }  # fmt: skip
    assert schema["components"]["schemas"]["AskRequest"]["examples"]
    assert schema["paths"]["/v1/ask"]["post"]["responses"]["422"]["content"]
    assert http.get("/docs").status_code == 200


def test_an_answers_documented_links_open_its_citation_and_article(http: httpx.Client) -> None:
    """The OpenAPI links on /v1/ask's 200 answer, followed as a client would: each link's
    `$response.body#…` pointer resolved against a real answer, the operation it names called.
    (The schema's stateful run rarely follows them: a generated question is declined.)"""
    schema = http.get("/openapi.json").json()
    operations = {
        op["operationId"]: (method, path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }
    links = schema["paths"]["/v1/ask"]["post"]["responses"]["200"]["links"]
    assert set(links) == {"Citation", "Article"}
    answer = http.post("/v1/ask", json={"question": SUMMIT, "mode": "extractive"}).json()
    assert answer["citations"], answer
    opened = {}
    for name, link in links.items():
        method, path = operations[link["operationId"]]
        ((parameter, expression),) = link["parameters"].items()
        assert expression.startswith("$response.body#/")
        value: object = answer
        for step in expression.removeprefix("$response.body#/").split("/"):
            value = value[int(step)] if isinstance(value, list) else value[step]  # type: ignore[index]
        response = http.request(method.upper(), path.replace(f"{{{parameter}}}", str(value)))
        assert response.status_code == 200, (name, response.text)
        opened[name] = response.json()
    first = answer["citations"][0]
    assert (opened["Citation"]["id"], opened["Citation"]["quote"]) == (first["id"], first["quote"])
    assert opened["Article"]["id"] == first["article_id"]
    assert opened["Article"]["text"][first["start"] : first["end"]] == first["quote"]


def test_api_docs_need_nothing_from_the_internet(http: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = http.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith("/") for a in assets), assets
        assert "cdn" not in html and "googleapis" not in html
        for asset in assets:
            assert http.get(asset).status_code == 200, asset


def test_405_names_every_method_a_path_serves(http: httpx.Client) -> None:
    response = http.request("PUT", "/v1/articles/003_8e9a2609f1a46fa1.txt")
    assert_error(response, 405, "method_not_allowed")
    assert {"DELETE", "GET"} <= set(response.headers["Allow"].split(", "))
