"""API keys, read protection and rate limits over real HTTP."""

from __future__ import annotations

import time

from tests.api_support import API_KEY, OTHER_KEY, ApiParts, assert_error, live_api

ARTICLE = {"id": "access/one.json", "text": "A short article about keys and locks."}


def test_writes_are_disabled_without_configured_keys(api_parts: ApiParts) -> None:
    with live_api(api_parts, api_keys=[], rate_limit="") as api, api.client() as http:
        message = assert_error(
            http.post("/v1/ingest", json=ARTICLE, headers={"X-API-Key": API_KEY}),
            403,
            "writes_disabled",
        )
        assert "NEWSBOT_API_KEYS" in message
        assert_error(http.delete("/v1/articles/whatever"), 403, "writes_disabled")
        assert http.get("/v1/articles/access/one.json").status_code == 404  # nothing written


def test_writes_need_a_valid_key_in_either_header(api_parts: ApiParts) -> None:
    with (
        live_api(api_parts, api_keys=[API_KEY], rate_limit="") as api,
        api.client() as http,
    ):
        missing = http.delete("/v1/articles/no-such-article")
        assert_error(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = http.delete("/v1/articles/no-such-article", headers={"X-API-Key": "nope"})
        assert "not valid" in assert_error(wrong, 401, "unauthorized")
        basic = {"Authorization": "Basic dXNlcjpwYXNz"}
        assert_error(http.delete("/v1/articles/no-such-article", headers=basic), 401)
        # With a valid key the request goes through (and finds nothing to delete).
        bearer = {"Authorization": f"Bearer {API_KEY}"}
        assert_error(
            http.delete("/v1/articles/no-such-article", headers=bearer), 404, "article_not_found"
        )
        header = {"X-API-Key": API_KEY}
        assert_error(
            http.delete("/v1/articles/no-such-article", headers=header), 404, "article_not_found"
        )


def test_reads_are_open_unless_configured_closed(api_parts: ApiParts) -> None:
    query = {"query": "summit"}
    with live_api(api_parts, api_keys=[API_KEY], rate_limit="") as api, api.client() as http:
        assert http.post("/v1/search", json=query).status_code == 200
        # A key that is presented must be valid even where none is needed.
        bad = http.post("/v1/search", json=query, headers={"X-API-Key": "forged"})
        assert_error(bad, 401, "unauthorized")
        schema = http.get("/openapi.json").json()
        assert "security" not in schema["paths"]["/v1/search"]["post"]
        assert schema["paths"]["/v1/ingest"]["post"]["security"]
    closed = {"api_keys": [API_KEY], "rate_limit": "", "require_key_for_read": True}
    with live_api(api_parts, **closed) as api, api.client() as http:
        assert "API key" in assert_error(http.post("/v1/search", json=query), 401)
        assert_error(http.post("/v1/ask", json={"question": "summit?"}), 401)
        assert_error(http.get("/v1/articles/003_8e9a2609f1a46fa1.txt"), 401)
        assert_error(http.get("/v1/citations/x:1-2"), 401)
        keyed = {"Authorization": f"Bearer {API_KEY}"}
        assert http.post("/v1/search", json=query, headers=keyed).status_code == 200
        assert http.get("/healthz").status_code == 200  # probes stay open
        assert http.get("/metrics").status_code == 200
        schema = http.get("/openapi.json").json()
        assert schema["paths"]["/v1/search"]["post"]["security"]


def test_conversations_belong_to_their_key(api_parts: ApiParts) -> None:
    keys = {"api_keys": [API_KEY, OTHER_KEY], "rate_limit": ""}
    with live_api(api_parts, **keys) as api, api.client() as http:
        mine = {"X-API-Key": API_KEY}
        first = http.post("/v1/ask", json={"question": "Who met?"}, headers=mine).json()
        follow = {"question": "When?", "conversation_id": first["conversation_id"]}
        assert http.post("/v1/ask", json=follow, headers=mine).status_code == 200
        theirs = http.post("/v1/ask", json=follow, headers={"X-API-Key": OTHER_KEY})
        assert_error(theirs, 404, "conversation_not_found")
        assert_error(http.post("/v1/ask", json=follow), 404, "conversation_not_found")


def test_rate_limit_answers_429_with_retry_after(api_parts: ApiParts) -> None:
    limited = {"api_keys": [API_KEY], "rate_limit": "3/minute"}
    with live_api(api_parts, **limited) as api, api.client() as http:
        query = {"query": "summit", "top_k": 1}
        for remaining in (2, 1, 0):
            ok = http.post("/v1/search", json=query)
            assert ok.status_code == 200
            assert ok.headers["x-ratelimit-remaining"] == str(remaining)
        refused = http.post("/v1/search", json=query)
        message = assert_error(refused, 429, "rate_limited")
        assert "3/minute" in message
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Every read endpoint shares the caller's budget; probes are not limited.
        assert_error(http.get("/v1/articles/003_8e9a2609f1a46fa1.txt"), 429, "rate_limited")
        assert http.get("/healthz").status_code == 200
        # A key has its own budget, apart from the anonymous client's address.
        keyed = http.post("/v1/search", json=query, headers={"X-API-Key": API_KEY})
        assert keyed.status_code == 200


def test_rate_limit_window_moves_on(api_parts: ApiParts) -> None:
    with live_api(api_parts, rate_limit="2/second") as api, api.client() as http:
        statuses = [http.get("/v1/citations/x:1-2").status_code for _ in range(3)]
        assert statuses == [404, 404, 429]
        time.sleep(1.1)
        assert http.get("/v1/citations/x:1-2").status_code == 404


def test_bad_rate_limit_setting_is_a_clear_error(api_parts: ApiParts) -> None:
    from bot.api import create_app
    from bot.errors import ConfigError

    settings = api_parts.settings.model_copy(update={"rate_limit": "lots"})
    try:
        create_app(api_parts.service, settings, api_parts.archive)
    except ConfigError as exc:
        assert "NEWSBOT_RATE_LIMIT" in str(exc)
    else:
        raise AssertionError("a bad rate limit was accepted")


def test_invalid_keys_count_against_the_rate_limit(api_parts: ApiParts) -> None:
    limited = {"api_keys": [API_KEY], "rate_limit": "2/minute"}
    with live_api(api_parts, **limited) as api, api.client() as http:
        guesses = [
            http.delete("/v1/articles/x", headers={"X-API-Key": f"guess-{n}"}).status_code
            for n in range(3)
        ]
        assert guesses == [401, 401, 429]


def test_a_client_hanging_up_mid_stream_does_not_hurt_the_server(api_parts: ApiParts) -> None:
    with live_api(api_parts, rate_limit="") as api, api.client() as http:
        with http.stream("POST", "/v1/ask/stream", json={"question": "Who met?"}) as response:
            assert response.status_code == 200
            next(response.iter_bytes())  # read a little, then hang up
        assert http.get("/healthz").status_code == 200
        assert http.post("/v1/search", json={"query": "summit"}).status_code == 200
