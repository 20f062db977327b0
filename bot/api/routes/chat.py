"""OpenAI-compatible chat: POST /v1/chat/completions and GET /v1/models, for the chat apps
people already use (Open WebUI, LibreChat, the `openai` client …)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse

from bot.answer import AnswerService
from bot.api.access import Caller
from bot.api.chat.errors import ChatError, ChatRoute, chat_error_body
from bot.api.chat.markdown import (
    StreamEscaper,
    answer_markdown,
    as_conversation,
    sources_markdown,
    word_count,
)
from bot.api.chat.schemas import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessageOut,
    Choice,
    ModelCard,
    ModelList,
    OpenAIErrorResponse,
    Usage,
    model_ids,
)
from bot.api.deps import CallerDep, MetricsDep, ServiceDep, StateDep, read_access
from bot.api.errors import newsbot_status
from bot.api.metrics import ApiMetrics
from bot.api.openapi import component_ref, error_responses
from bot.api.schemas import CitationOut
from bot.errors import NewsbotError
from bot.models import Answer
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.api")
router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], route_class=ChatRoute)

MODEL = "newsbot"  # the server's default answer mode; "newsbot-<mode>" names each mode
_STARTED = int(time.time())

_DESCRIPTIONS = {
    400: "Invalid request: no user message, empty content, n > 1, malformed JSON …",
    401: "A missing or invalid API key.",
    404: "No such model (see `GET /v1/models`).",
    429: "Too many requests; see the Retry-After header.",
    503: "The vector store is unreachable; try again shortly.",
}

# One Server-Sent Event of a streamed answer: a chunk, an error, or the final [DONE].
CHUNK_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"const": "message"},
        "data": {
            "type": "string",
            "anyOf": [
                {"const": "[DONE]"},
                {
                    "contentMediaType": "application/json",
                    "contentSchema": {
                        "anyOf": [
                            component_ref(ChatCompletionChunk),
                            component_ref(OpenAIErrorResponse),
                        ]
                    },
                },
            ],
        },
    },
}


def chat_access(caller: CallerDep, state: StateDep) -> None:
    """As for the other reads, except that a server without keys takes any key: chat apps
    insist on sending one."""
    if state.keys.configured or not caller.bad_key:
        read_access(caller, state)
    elif state.settings.require_key_for_read:
        read_access(Caller(None, caller.address), state)


def chat_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/json": {"schema": component_ref(OpenAIErrorResponse)}}
    return {
        status: {"description": _DESCRIPTIONS[status], "content": content} for status in statuses
    }


def _mode(model: str, service: AnswerService) -> str:
    """The answer mode a model id names; 404 `model_not_found` for any other id."""
    name = model.strip()
    if name == MODEL:
        return service.default_mode
    mode = name.removeprefix(f"{MODEL}-")
    if mode != name and mode in service.modes:
        return mode
    offered = ", ".join(model_ids(service.modes))
    message = f"the model {model!r} does not exist; this server offers: {offered}"
    raise ChatError(404, message, "model", "model_not_found")


@router.get("/models", summary="The models (answer modes) this server offers",
            responses=chat_error_responses(400, 401, 429))  # fmt: skip
def list_models(service: ServiceDep) -> ModelList:
    """`newsbot` answers with the server's default mode; `newsbot-<mode>` picks a mode."""
    return ModelList(data=[ModelCard(id=m, created=_STARTED) for m in model_ids(service.modes)])


@router.get("/models/{model}", summary="One model",
            responses=chat_error_responses(400, 401, 404, 429))  # fmt: skip
def get_model(
    model: Annotated[str, Path(min_length=1, max_length=100, examples=[MODEL])],
    service: ServiceDep,
) -> ModelCard:
    _mode(model, service)
    return ModelCard(id=model.strip(), created=_STARTED)


@router.post(
    "/chat/completions",
    summary="Answer the last user message, OpenAI-style, with numbered citations",
    response_model=ChatCompletion,
    responses={
        200: {
            "description": "A `chat.completion`; with `stream: true`, Server-Sent Events: "
            "`chat.completion.chunk`s, the last with `finish_reason`, `citations` and "
            "`answerable`, then (with `stream_options.include_usage`) one with `usage`, "
            "then `data: [DONE]`.",
            "content": {"text/event-stream": {"schema": CHUNK_EVENT_SCHEMA}},
        },
        **chat_error_responses(400, 401, 404, 429, 503),
        **error_responses(413),
    },
)
async def chat_completions(
    request: ChatCompletionRequest, state: StateDep, metrics: MetricsDep
) -> Response | ChatCompletion:
    """The content is Markdown: the answer with its [n] markers, then its sources as links.
    The earlier user and assistant messages are the conversation a follow-up is read in;
    system messages are not used. Errors are OpenAI's `{"error": {"message", "type",
    "param", "code"}}`."""
    service = state.service
    mode = _mode(request.model, service)
    question, history = as_conversation(request.messages)
    keep = state.settings.conversation_turns
    history = history[-keep:] if keep else []
    filters = request.filters.to_search_filters() if request.filters else None
    prompt_words = sum(word_count(m.text()) for m in request.messages)
    reply = _Reply(request.model.strip(), state.settings.public_url, prompt_words)
    if not request.stream:
        answer = await run_in_threadpool(service.answer, question, filters, history, mode)
        metrics.observe_answer(mode, answer)
        return reply.completion(answer)
    pieces = service.stream(question, filters, history, mode)
    chunks = iterate_in_threadpool(pieces)
    # The first piece comes after retrieval: a store that is down fails here, before the
    # response starts, and so gets its proper HTTP status.
    try:
        first = await anext(chunks)
    except BaseException:
        await run_in_threadpool(_close, pieces)
        raise
    include_usage = bool(request.stream_options and request.stream_options.include_usage)
    events = reply.events(first, chunks, pieces, include_usage, metrics, mode)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _close(pieces: Iterator[str | Answer]) -> None:
    close = getattr(pieces, "close", None)
    if close is not None:
        close()


def _data(payload: Any) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class _Reply:
    """The envelope every completion and chunk of one request shares (id, time, model)."""

    def __init__(self, model: str, public_url: str, prompt_words: int) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self.public_url = public_url
        self.prompt_words = prompt_words

    def usage(self, content: str) -> Usage:
        words = word_count(content)
        return Usage(
            prompt_tokens=self.prompt_words,
            completion_tokens=words,
            total_tokens=self.prompt_words + words,
        )

    def completion(self, answer: Answer) -> ChatCompletion:
        content = answer_markdown(answer, self.public_url)
        return ChatCompletion(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[Choice(message=ChatMessageOut(content=content))],
            usage=self.usage(content),
            citations=_citations(answer),
            answerable=answer.answerable,
        )

    def chunk(
        self, delta: dict[str, str], finish: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [choice],
            **extra,
        }

    async def events(
        self,
        first: str | Answer,
        chunks: AsyncIterator[str | Answer],
        pieces: Iterator[str | Answer],
        include_usage: bool,
        metrics: ApiMetrics,
        mode: str,
    ) -> AsyncIterator[bytes]:
        escaper = StreamEscaper()
        sent = ""
        item = first
        try:
            yield _data(self.chunk({"role": "assistant", "content": ""}))
            while not isinstance(item, Answer):
                text = escaper.feed(item)
                if text:
                    sent += text
                    yield _data(self.chunk({"content": text}))
                item = await anext(chunks)
            metrics.observe_answer(mode, item)
            tail = escaper.flush() + sources_markdown(item, self.public_url)
            if tail:
                sent += tail
                yield _data(self.chunk({"content": tail}))
            citations = [c.model_dump() for c in _citations(item)]
            yield _data(self.chunk({}, "stop", citations=citations, answerable=item.answerable))
            if include_usage:
                usage = self.usage(sent).model_dump()
                yield _data({**self.chunk({}), "choices": [], "usage": usage})
            yield b"data: [DONE]\n\n"
        except StopAsyncIteration:
            log.error("the answer stream ended without a final answer")
            yield _data(chat_error_body(500, "the answer stream failed", None, "internal_error"))
        except (NewsbotError, StoreUnavailable) as exc:
            status, code = newsbot_status(exc)
            yield _data(chat_error_body(status, str(exc), None, code))
        except Exception:
            log.exception("the answer stream failed")
            yield _data(chat_error_body(500, "the answer stream failed", None, "internal_error"))
        finally:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(_close, pieces)


def _citations(answer: Answer) -> list[CitationOut]:
    return [CitationOut.model_validate(c, from_attributes=True) for c in answer.citations]
