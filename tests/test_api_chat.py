"""The OpenAI-compatible chat API, driven by the official `openai` client over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.api.chat.markdown import SOURCES_HEADING, StreamEscaper, escape, unescape
from bot.api.chat.schemas import ChatCompletionChunk
from bot.container import build_service
from tests.api_support import API_KEY, ApiParts, LiveApi, live_api, parse_sse, seeded_parts
from tests.scripted_llm import ScriptedLLM

SUMMIT = "When will the negotiations in Saudi Arabia take place?"
ERROR_FIELDS = {"message", "type", "param", "code"}


def chat_client(api: LiveApi, key: str = "any-key") -> openai.OpenAI:
    """The official client, as a chat app would configure it; no retries, so a 429 shows."""
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key=key, max_retries=0, timeout=60)


def ask(client: openai.OpenAI, *messages: dict[str, Any], **extra: Any) -> Any:
    return client.chat.completions.create(model="newsbot", messages=messages, **extra)  # type: ignore[call-overload]


def user(text: Any) -> dict[str, Any]:
    return {"role": "user", "content": text}


@pytest.fixture(scope="module")
def api(api_parts: ApiParts) -> Iterator[LiveApi]:
    with live_api(api_parts, rate_limit="") as running:  # no keys: any key is taken
        yield running


@pytest.fixture(scope="module")
def client(api: LiveApi) -> openai.OpenAI:
    return chat_client(api)


def assert_openai_error(response: httpx.Response, status: int, param: str | None = None) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == ERROR_FIELDS, error
    assert error["message"] and error["type"]
    if param is not None:
        assert error["param"] == param, error
    return str(error["message"])


# -- answers -----------------------------------------------------------------------------------


def test_models_lists_newsbot_and_each_answer_mode(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert ids == ["newsbot", "newsbot-extractive"]  # no LLM configured: no newsbot-llm
    assert client.models.retrieve("newsbot").owned_by == "newsbot"
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve("gpt-4o")
    assert raised.value.code == "model_not_found"


def test_answer_carries_markers_sources_and_citations(client: openai.OpenAI, api: LiveApi) -> None:
    completion = ask(client, user(SUMMIT))
    assert completion.object == "chat.completion" and completion.model == "newsbot"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    assert "February 18" in content
    answer, heading, sources = content.partition(SOURCES_HEADING)
    assert heading, content
    citations = completion.model_extra["citations"]
    assert citations and completion.model_extra["answerable"] is True
    with api.client() as http:
        for n, citation in enumerate(citations, start=1):
            assert citation["n"] == n and f"[{n}]" in answer
            assert f"- [{n}] " in sources and citation["title"] in sources
            article = http.get(f"/v1/articles/{citation['article_id']}").json()
            assert article["text"][citation["start"] : citation["end"]] == citation["quote"]
    # The same answer, citations included, as POST /v1/ask gives.
    with api.client() as http:
        plain = http.post("/v1/ask", json={"question": SUMMIT}).json()
    assert unescape(answer) == plain["answer"]
    assert [c["id"] for c in citations] == [c["id"] for c in plain["citations"]]
    usage = completion.usage
    assert usage.completion_tokens == len(content.split())
    assert usage.prompt_tokens == len(SUMMIT.split())
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streamed_deltas_add_up_to_the_answer(client: openai.OpenAI) -> None:
    whole = ask(client, user(SUMMIT))
    chunks = list(ask(client, user(SUMMIT), stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    finished = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finished) == 1
    streamed = finished[0].model_extra["citations"]
    assert [c["id"] for c in streamed] == [c["id"] for c in whole.model_extra["citations"]]
    assert finished[0].model_extra["answerable"] is True
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens == len(text.split())
    assert len({c.id for c in chunks}) == 1
    # without include_usage, no usage chunk
    plain = list(ask(client, user(SUMMIT), stream=True))
    assert all(c.choices for c in plain) and all(c.usage is None for c in plain)


def test_the_stream_on_the_wire_is_documented_chunks_then_done(api: LiveApi) -> None:
    body = {"model": "newsbot", "messages": [user(SUMMIT)], "stream": True}
    with api.client() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse("".join(response.iter_text()))
    assert {name for name, _ in events} == {"message"}
    assert events[-1][1] == "[DONE]"
    chunks = [ChatCompletionChunk.model_validate_json(data) for _, data in events[:-1]]
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    assert chunks[-1].citations and all(c.citations is None for c in chunks[:-1])


def test_a_follow_up_is_answered_in_its_conversation(client: openai.OpenAI, api: LiveApi) -> None:
    first = ask(client, user("Who met in Saudi Arabia?")).choices[0].message.content
    follow_up = "When did they meet?"
    history = [user("Who met in Saudi Arabia?"), {"role": "assistant", "content": first}]
    answered = ask(client, *history, user(follow_up))
    alone = ask(client, user(follow_up))
    content = answered.choices[0].message.content
    assert answered.model_extra["answerable"] is True and answered.model_extra["citations"]
    assert content != alone.choices[0].message.content
    # The same answer /v1/ask gives the same follow-up in a server-side conversation.
    with api.client() as http:
        opened = http.post("/v1/ask", json={"question": "Who met in Saudi Arabia?"}).json()
        asked = {"question": follow_up, "conversation_id": opened["conversation_id"]}
        expected = http.post("/v1/ask", json=asked).json()["answer"]
    assert unescape(content.partition(SOURCES_HEADING)[0]) == expected


def test_system_messages_and_text_parts_change_nothing(client: openai.OpenAI) -> None:
    plain = ask(client, user(SUMMIT)).choices[0].message.content
    parts = [{"type": "text", "text": "When will the negotiations"},
             {"type": "text", "text": "in Saudi Arabia take place?"}]  # fmt: skip
    system = {"role": "system", "content": "You are a helpful assistant. Answer in French."}
    assert ask(client, system, user(parts)).choices[0].message.content == plain


def test_filters_extension_narrows_the_archive(client: openai.OpenAI) -> None:
    elsewhere = ask(client, user(SUMMIT), extra_body={"filters": {"source": "wire"}})
    assert elsewhere.choices[0].message.content == "No articles match source=wire."
    assert elsewhere.model_extra["citations"] == []
    assert elsewhere.model_extra["answerable"] is False
    seeds = ask(client, user(SUMMIT), extra_body={"filters": {"source": ["seeds"]}})
    assert {c["source"] for c in seeds.model_extra["citations"]} == {"seeds"}


def test_sources_link_to_citation_pages_under_the_public_url(api_parts: ApiParts) -> None:
    public = "https://news.example.org"
    with live_api(api_parts, rate_limit="", public_url=public) as api:
        completion = ask(chat_client(api), user(SUMMIT))
    html = MarkdownIt().render(completion.choices[0].message.content)
    links = re.findall(r'<a href="([^"]+)">', html)
    ids = [c["id"] for c in completion.model_extra["citations"]]
    assert links == [f"{public}/c/{cited}" for cited in ids]


# -- article text is never markup --------------------------------------------------------------

MARKUP_ARTICLE = {
    "id": "harbour/markup.json",
    "title": '<img src=x onerror="alert(1)"> Harbour *news*',
    "text": "The harbour reopened on Monday after repairs costing $5 million and $2 million "
    "more, officials said <b>today</b>. Visit [the port](javascript:alert(2)) for details.",
    "url": "https://example.org/harbour (reopened)",
    "source": "harbour_gazette",
}


@pytest.fixture(scope="module")
def markup_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    data = Path(tmp_path_factory.mktemp("chat-markup")) / "data"
    with seeded_parts(data) as parts, live_api(parts, api_keys=[API_KEY], rate_limit="") as api:
        with api.client(headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            assert http.post("/v1/ingest", json=MARKUP_ARTICLE).json()["new"] == 1
        yield api


def test_article_text_is_escaped_and_links_are_safe(markup_api: LiveApi) -> None:
    completion = ask(chat_client(markup_api, API_KEY), user("When did the harbour reopen?"))
    content = completion.choices[0].message.content
    assert completion.model_extra["citations"], content
    html = MarkdownIt().render(content)
    assert "<img" not in html and "<b>" not in html and "javascript:" not in html.split('"')
    assert "$5 million" in html and "&lt;b&gt;today&lt;/b&gt;" in html
    assert "*news*" in html  # the title's asterisks are text, not emphasis
    assert '<a href="https://example.org/harbour%20%28reopened%29">' in html
    assert "The harbour reopened on Monday" in unescape(content.partition(SOURCES_HEADING)[0])


@given(
    st.lists(
        st.sampled_from(
            [
                "[1]",
                "[12]",
                "[",
                "]",
                "1",
                "$",
                "*",
                "\\",
                "<b>",
                "a ",
                "_",
                "(",
                ")",
                ":",
                "!",
                "http://x.org",
                "\n",
                "`",
                "# ",
                "|",
            ]
        )
    ),
    st.lists(st.integers(min_value=0, max_value=60)),
)
def test_escaping_pieces_equals_escaping_the_whole(tokens: list[str], cuts: list[int]) -> None:
    text = "".join(tokens)
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    escaper = StreamEscaper()
    pieces = [escaper.feed(text[a:b]) for a, b in pairwise(bounds)]
    assert "".join(pieces) + escaper.flush() == escape(text)
    assert unescape(escape(text)) == text
    html = MarkdownIt().render(escape(text))
    assert not re.search(r"<(a|em|strong|code|img|b|h\d)\b", html), html


# -- bad requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "newsbot", "messages": [user(SUMMIT)], "n": 2}, "n"),
        ({"model": "newsbot", "messages": [{"role": "system", "content": "Hi"}]}, "messages"),
        ({"model": "newsbot", "messages": []}, "messages"),
        ({"model": "newsbot", "messages": [user("")]}, "messages"),
        ({"model": "newsbot", "messages": [user("   ")]}, "messages"),
        ({"model": "newsbot", "messages": [user([{"type": "text", "text": " "}])]}, "messages"),
        (
            {"model": "newsbot", "messages": [user([{"type": "image_url", "image_url": {}}])]},
            "messages",
        ),
        ({"model": "newsbot", "messages": [user(SUMMIT)], "stream": "yes"}, "stream"),
    ],
    ids=["n=2", "no-user", "no-messages", "empty", "blank", "blank-part", "image", "stream"],
)  # fmt: skip
def test_bad_requests_are_400_with_openai_errors(
    client: openai.OpenAI, body: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(**body)
    error = raised.value
    assert error.param == param and error.type == "invalid_request_error"
    assert_openai_error(error.response, 400, param)


def test_error_messages_say_what_is_wrong(api: LiveApi) -> None:
    with api.client() as http:
        empty = http.post("/v1/chat/completions", json={"model": "newsbot", "messages": [user("")]})
        assert "messages[0].content: must not be empty" in assert_openai_error(empty, 400)
        many = http.post(
            "/v1/chat/completions", json={"model": "newsbot", "messages": [user("a")], "n": 3}
        )
        assert "n must be 1" in assert_openai_error(many, 400, "n")
        image = {"type": "image_url", "image_url": {"url": "https://example.org/a.png"}}
        pictured = http.post(
            "/v1/chat/completions", json={"model": "newsbot", "messages": [user([image])]}
        )
        assert "only text parts" in assert_openai_error(pictured, 400, "messages")
        nameless = http.post("/v1/chat/completions", json={"messages": [user("a")]})
        assert "model: Field required" in assert_openai_error(nameless, 400, "model")
        broken = http.post(
            "/v1/chat/completions",
            content=b'{"model": "newsbot",',
            headers={"content-type": "application/json"},
        )
        assert "not valid JSON" in assert_openai_error(broken, 400)
        assert broken.json()["error"]["code"] == "malformed_json"


def test_unknown_model_is_404_streamed_or_not(client: openai.OpenAI) -> None:
    for stream in (False, True):
        with pytest.raises(openai.NotFoundError) as raised:
            client.chat.completions.create(model="gpt-4o", messages=[user(SUMMIT)], stream=stream)
        assert raised.value.code == "model_not_found" and raised.value.param == "model"
        assert "newsbot" in assert_openai_error(raised.value.response, 404, "model")


def test_other_routes_keep_their_own_error_shape(api: LiveApi) -> None:
    with api.client() as http:
        response = http.post("/v1/ask", json={"question": ""})
    assert response.status_code == 422 and set(response.json()["error"]) == {"code", "message"}


# -- keys and limits ---------------------------------------------------------------------------


def test_a_key_is_required_when_the_server_requires_one(api_parts: ApiParts) -> None:
    with live_api(api_parts, api_keys=[API_KEY], require_key_for_read=True, rate_limit="") as api:
        with pytest.raises(openai.AuthenticationError) as raised:
            ask(chat_client(api, "not-our-key"), user(SUMMIT))
        assert raised.value.type == "authentication_error"
        with pytest.raises(openai.AuthenticationError):
            chat_client(api, "not-our-key").models.list()
        with api.client() as http:
            missing = http.post(
                "/v1/chat/completions", json={"model": "newsbot", "messages": [user(SUMMIT)]}
            )
            assert "API key" in assert_openai_error(missing, 401)
            assert missing.headers["www-authenticate"] == "Bearer"
        completion = ask(chat_client(api, API_KEY), user(SUMMIT))
        assert completion.model_extra["citations"]


def test_keys_configured_but_reads_open_still_refuse_a_wrong_key(api_parts: ApiParts) -> None:
    with live_api(api_parts, api_keys=[API_KEY], rate_limit="") as api:
        with pytest.raises(openai.AuthenticationError):
            chat_client(api, "not-our-key").models.list()
        assert chat_client(api, API_KEY).models.retrieve("newsbot").id == "newsbot"


def test_rate_limit_is_429_with_retry_after(api_parts: ApiParts) -> None:
    with live_api(api_parts, rate_limit="2/minute") as api:
        client = chat_client(api)
        client.models.list()
        ask(client, user(SUMMIT))
        with pytest.raises(openai.RateLimitError) as raised:
            ask(client, user(SUMMIT), stream=True)
    assert raised.value.type == "rate_limit_error"
    assert int(raised.value.response.headers["retry-after"]) >= 1
    assert_openai_error(raised.value.response, 429)


# -- with an LLM configured --------------------------------------------------------------------


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM().start()
    yield server
    server.stop()


def test_an_llm_server_adds_the_newsbot_llm_model(
    api_parts: ApiParts, scripted: ScriptedLLM
) -> None:
    settings = api_parts.settings.model_copy(update={"llm_url": scripted.url, "llm_model": "m"})
    parts = ApiParts(settings, api_parts.archive, build_service(settings, api_parts.archive))
    reply = (
        "Negotiations will take place in Saudi Arabia on February 18 [1]. "
        "It is widely expected to end the war."
    )
    scripted.enqueue(reply, reply)
    with live_api(parts, rate_limit="") as api:
        client = chat_client(api)
        assert [m.id for m in client.models.list()] == [
            "newsbot", "newsbot-extractive", "newsbot-llm",
        ]  # fmt: skip
        completion = client.chat.completions.create(model="newsbot-llm", messages=[user(SUMMIT)])
        chunks = client.chat.completions.create(
            model="newsbot-llm", messages=[user(SUMMIT)], stream=True
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    content = completion.choices[0].message.content
    assert content.startswith("Negotiations will take place in Saudi Arabia on February 18 [1].")
    assert "expected to end the war" not in content  # unsupported: verified away
    assert [c["n"] for c in completion.model_extra["citations"]] == [1]
    assert streamed == content and completion.model == "newsbot-llm"
    assert len(scripted.requests) == 2 and not scripted.replies
