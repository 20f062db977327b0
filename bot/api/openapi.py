"""The OpenAPI document, adjusted to this server: its answer modes and hand-documented models."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.api.chat.schemas import ChatCompletionChunk, OpenAIErrorResponse, adjust_chat_openapi
from bot.api.schemas import CitationsEvent, DoneEvent, ErrorResponse, TokenEvent

_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, or an answer mode this server does not offer.",
    401: "A missing or invalid API key.",
    403: "Writes are disabled: no API keys are configured.",
    404: "No such citation, article or conversation.",
    410: "The cited article has changed or been deleted since the citation was made.",
    413: "The request body is over the size limit.",
    422: "The request does not match the schema; the message says where.",
    429: "Too many requests; see the Retry-After header.",
    503: "The vector store is unreachable; try again shortly.",
}


def component_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses an operation can answer with (always JSON)."""
    content = {"application/json": {"schema": component_ref(ErrorResponse)}}
    return {
        status: {"description": _ERROR_DESCRIPTIONS[status], "content": content}
        for status in statuses
    }


def _sse_event(name: str, model: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": component_ref(model),
            },
        },
    }


# One Server-Sent Event of POST /v1/ask/stream (the OpenAPI 3.1 way: data is JSON text).
STREAM_EVENT_SCHEMA: dict[str, Any] = {
    "oneOf": [
        _sse_event("token", TokenEvent),
        _sse_event("citations", CitationsEvent),
        _sse_event("done", DoneEvent),
        _sse_event("error", ErrorResponse),
    ]
}
# Models that only appear inside documented content, added to the components by hand.
EXTRA_COMPONENTS: list[type[BaseModel]] = [
    *(ErrorResponse, TokenEvent, CitationsEvent, DoneEvent),
    *(ChatCompletionChunk, OpenAIErrorResponse),
]


def customise_openapi(app: FastAPI, modes: list[str]) -> None:
    """List only the answer modes this server offers; add models used inside raw content."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            _, extra = models_json_schema(
                [(model, "serialization") for model in EXTRA_COMPONENTS],
                ref_template="#/components/schemas/{model}",
            )
            for name, definition in extra.get("$defs", {}).items():
                components.setdefault(name, definition)
            _fix_event_streams(schema)
            _add_links(schema)
            mode = components["AskRequest"]["properties"]["mode"]
            for option in mode.get("anyOf", [mode]):
                if "enum" in option:
                    option["enum"] = [m for m in option["enum"] if m in modes]
            adjust_chat_openapi(schema, modes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# What one answer's fields open next: OpenAPI links, which clients (and schemathesis's
# stateful tests) follow from an answer to its citation and article.
_LINKS: dict[tuple[str, str], dict[str, tuple[str, str, str, str]]] = {
    ("/v1/ask", "post"): {
        "Citation": ("/v1/citations/{citation_id}", "get", "citation_id", "/citations/0/id"),
        "Article": ("/v1/articles/{article_id}", "get", "article_id", "/citations/0/article_id"),
    },
    ("/v1/search", "post"): {
        "Citation": ("/v1/citations/{citation_id}", "get", "citation_id", "/results/0/id"),
        "Article": ("/v1/articles/{article_id}", "get", "article_id", "/results/0/article_id"),
    },
    ("/v1/articles", "get"): {
        "Article": ("/v1/articles/{article_id}", "get", "article_id", "/articles/0/id"),
    },
}


def _add_links(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    for (path, method), links in _LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get("200")
        if response is None:
            continue
        for name, (target, target_method, parameter, pointer) in links.items():
            operation = paths.get(target, {}).get(target_method, {})
            if "operationId" in operation:
                response.setdefault("links", {})[name] = {
                    "operationId": operation["operationId"],
                    "parameters": {parameter: f"$response.body#{pointer}"},
                }


def _fix_event_streams(schema: dict[str, Any]) -> None:
    """FastAPI merges `type: string` into a streamed body's schema; events are objects."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                stream = response.get("content", {}).get("text/event-stream", {})
                if "oneOf" in stream.get("schema", {}):
                    stream["schema"].pop("type", None)
