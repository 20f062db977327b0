"""POST /v1/ask and /v1/ask/stream: cited answers, with server-side conversation history."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from bot.api.access import Caller
from bot.api.conversations import ConversationStore
from bot.api.deps import CallerDep, ConversationsDep, MetricsDep, ServiceDep
from bot.api.errors import ApiError, error_body, newsbot_status
from bot.api.metrics import ApiMetrics
from bot.api.openapi import STREAM_EVENT_SCHEMA, error_responses
from bot.api.schemas import (
    AskRequest,
    AskResponse,
    CitationOut,
    ShortAnswerOut,
)
from bot.errors import NewsbotError
from bot.models import Answer, Turn
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.api")
router = APIRouter(prefix="/v1", tags=["answers"])
_END = object()


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response whose events this module writes itself."""

    media_type = "text/event-stream"


STREAM_DESCRIPTION = """Server-Sent Events, in this order:

* `token` (any number): `{"text": "…"}`, the next piece of the answer text;
* `citations` (once): `{"citations": [Citation, …]}`, as in `POST /v1/ask`;
* `done` (once): `{"answer", "answerable", "conversation_id", "timings_ms"}`.

A failure after the stream has started arrives as one `error` event,
`{"error": {"code", "message"}}`, and ends the stream. Failures found before it starts
(validation, keys, rate limit, unknown mode or conversation, store down) are ordinary
JSON errors with their HTTP status.
"""


def _conversation(
    request: AskRequest, conversations: ConversationStore, caller: Caller
) -> tuple[str, list[Turn]]:
    """The conversation id to answer under and its history; 404 for unknown or expired ids."""
    if request.conversation_id is None:
        return conversations.new_id(), []
    history = conversations.history(request.conversation_id, caller.owner)
    if history is None:
        raise ApiError(
            404,
            "conversation_not_found",
            f"conversation {request.conversation_id!r} is unknown or has expired; "
            "omit conversation_id to start a new one",
        )
    return request.conversation_id, history


def _short(answer: Answer) -> ShortAnswerOut | None:
    found = answer.short_answer
    return ShortAnswerOut.model_validate(found, from_attributes=True) if found else None


def _citations(answer: Answer) -> list[CitationOut]:
    return [CitationOut.model_validate(c, from_attributes=True) for c in answer.citations]


@router.post(
    "/ask",
    summary="Answer a question with numbered citations",
    responses=error_responses(400, 401, 404, 413, 422, 429, 503),
)
def ask(
    request: AskRequest,
    service: ServiceDep,
    conversations: ConversationsDep,
    caller: CallerDep,
    metrics: MetricsDep,
) -> AskResponse:
    """Every claim in `answer` carries `[n]`, pointing at `citations[n-1]`, whose `quote` is
    exactly `article text[start:end]`. `answerable: false` means the archive has no evidence.
    Pass `conversation_id` back to ask a follow-up ("and when was that?")."""
    conversation_id, history = _conversation(request, conversations, caller)
    filters = request.filters.to_search_filters() if request.filters else None
    answer = service.answer(request.question, filters, history, request.mode)
    conversations.append(conversation_id, caller.owner, Turn(request.question, answer.answer))
    metrics.observe_answer(request.mode or service.default_mode, answer)
    return AskResponse(
        answer=answer.answer,
        answerable=answer.answerable,
        short_answer=_short(answer),
        answer_type=answer.answer_type,
        citations=_citations(answer),
        conversation_id=conversation_id,
        timings_ms=answer.timings_ms,
    )


def _next(pieces: Iterator[str | Answer]) -> object:
    """The next piece, or _END: StopIteration must not cross a thread boundary."""
    return next(pieces, _END)


def _close(pieces: Iterator[str | Answer]) -> None:
    """Finish a generator left half-read (a client hung up, or an error)."""
    close = getattr(pieces, "close", None)
    if close is not None:
        close()


def _event(event: str, data: Any) -> bytes:
    """One Server-Sent Event; JSON text has no raw newlines, so `data` is a single line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@router.post(
    "/ask/stream",
    summary="Answer a question as a stream of Server-Sent Events",
    response_class=EventStreamResponse,
    responses={
        200: {
            "description": STREAM_DESCRIPTION,
            "content": {"text/event-stream": {"schema": STREAM_EVENT_SCHEMA}},
        },
        **error_responses(400, 401, 404, 413, 422, 429, 503),
    },
)
async def ask_stream(
    request: AskRequest,
    service: ServiceDep,
    conversations: ConversationsDep,
    caller: CallerDep,
    metrics: MetricsDep,
) -> EventStreamResponse:
    """The same answer as `POST /v1/ask`, its text streamed as it is written."""
    conversation_id, history = await run_in_threadpool(
        _conversation, request, conversations, caller
    )
    filters = request.filters.to_search_filters() if request.filters else None
    pieces = service.stream(request.question, filters, history, request.mode)
    # The first piece comes after retrieval: a bad mode or an unreachable store fails here,
    # before the response starts, and so gets its proper HTTP status.
    try:
        first = await run_in_threadpool(_next, pieces)
    except BaseException:
        _close(pieces)
        raise
    turn = _TurnRecorder(conversations, conversation_id, caller.owner, request.question)
    events = _stream_events(first, pieces, turn)
    return EventStreamResponse(
        _metered(events, metrics, request.mode or service.default_mode),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no",
                 "X-Conversation-ID": conversation_id},
    )  # fmt: skip


class _TurnRecorder:
    """Remembers a streamed answer in its conversation once the final Answer arrives."""

    def __init__(
        self, conversations: ConversationStore, conversation_id: str, owner: str, question: str
    ) -> None:
        self.conversations = conversations
        self.conversation_id = conversation_id
        self.owner = owner
        self.question = question

    def __call__(self, answer: Answer) -> None:
        turn = Turn(self.question, answer.answer)
        self.conversations.append(self.conversation_id, self.owner, turn)


async def _stream_events(
    first: object, pieces: Iterator[str | Answer], record: _TurnRecorder
) -> AsyncIterator[tuple[bytes, Answer | None]]:
    item = first
    try:
        while item is not _END:
            if isinstance(item, Answer):
                await run_in_threadpool(record, item)
                conversation_id = record.conversation_id
                citations = [c.model_dump() for c in _citations(item)]
                yield _event("citations", {"citations": citations}), None
                short = _short(item)
                done = {
                    "answer": item.answer,
                    "answerable": item.answerable,
                    "short_answer": short.model_dump() if short else None,
                    "answer_type": item.answer_type,
                    "conversation_id": conversation_id,
                    "timings_ms": item.timings_ms,
                }
                yield _event("done", done), item
                return
            yield _event("token", {"text": item}), None
            item = await run_in_threadpool(_next, pieces)
        raise RuntimeError("the answer stream ended without a final answer")
    except (NewsbotError, StoreUnavailable) as exc:
        _, code = newsbot_status(exc)
        yield _event("error", error_body(code, str(exc))), None
    except Exception:
        log.exception("the answer stream failed")
        yield _event("error", error_body("internal_error", "the answer stream failed")), None
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_close, pieces)


async def _metered(
    events: AsyncIterator[tuple[bytes, Answer | None]], metrics: ApiMetrics, mode: str
) -> AsyncIterator[bytes]:
    async for data, final in events:
        if final is not None:
            metrics.observe_answer(mode, final)
        yield data
