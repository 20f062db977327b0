"""The OpenAI chat-completions wire format, as far as newsbot speaks it (the rest is ignored)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from bot.api.schemas import NOT_BLANK, QUESTION_MAX_CHARS, CitationOut, Filters

MESSAGES_MAX = 1000
PARTS_MAX = 20


def _json_integer(value: object) -> object:
    """Integers as JSON has them (1 or 1.0), never strings or booleans."""
    if isinstance(value, str | bool):
        raise ValueError("expected an integer")
    return value


class TextPart(BaseModel):
    """One part of a message's content; newsbot reads text only."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")  # name, tool_calls, refusal …: not used

    def text(self) -> str:
        content: Any = getattr(self, "content", None)
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        return "\n".join(part.text for part in content)


class InstructionMessage(ChatMessage):
    """A system or developer message: not used (the answer comes from the archive)."""

    role: Literal["system", "developer"]
    content: str | list[TextPart]


class QuestionPart(TextPart):
    text: str = Field(min_length=1, max_length=QUESTION_MAX_CHARS, pattern=NOT_BLANK)


class UserMessage(ChatMessage):
    role: Literal["user"]
    content: (
        Annotated[str, Field(min_length=1, max_length=QUESTION_MAX_CHARS, pattern=NOT_BLANK)]
        | Annotated[list[QuestionPart], Field(min_length=1, max_length=PARTS_MAX)]
    ) = Field(description="The question: a string, or a list of text parts.")


class AssistantMessage(ChatMessage):
    role: Literal["assistant"]
    content: str | list[TextPart] | None = None


class ToolMessage(ChatMessage):
    """A tool's result: newsbot offers no tools, so it is passed over."""

    role: Literal["tool"]
    content: str | list[TextPart]


Message = Annotated[
    InstructionMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: StrictBool = Field(
        False, description="Send a last chunk with `usage` (approximate: words, not tokens)."
    )


class ChatCompletionRequest(BaseModel):
    """The last user message is the question; earlier user/assistant pairs are the
    conversation. Other OpenAI parameters (temperature, max_tokens, …) are accepted and
    ignored: the answer is quoted from the archive."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "model": "newsbot",
                    "messages": [{"role": "user", "content": "When will the summit take place?"}],
                },
            ]
        },
    )

    model: str = Field(
        max_length=100, description="`newsbot`, or another id from `GET /v1/models`."
    )
    messages: list[Message] = Field(
        min_length=1,
        max_length=MESSAGES_MAX,
        description="The conversation; at least one user message, the last of which is asked.",
        json_schema_extra={
            "contains": {"type": "object", "required": ["role"],
                         "properties": {"role": {"const": "user"}}},
        },
    )  # fmt: skip
    stream: StrictBool = Field(False, description="Answer as Server-Sent Events (chunks).")
    stream_options: StreamOptions | None = None
    n: Annotated[int, BeforeValidator(_json_integer)] = Field(
        1, description="How many answers: newsbot gives one.", json_schema_extra={"const": 1}
    )
    filters: Filters | None = Field(
        None, description="newsbot's extension: only these sources or this date range."
    )

    @field_validator("n")
    @classmethod
    def _one_answer(cls, n: int) -> int:
        if n != 1:
            raise ValueError("newsbot gives one answer per request: n must be 1")
        return n

    @field_validator("messages")
    @classmethod
    def _asks_something(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if not any(isinstance(m, UserMessage) for m in messages):
            raise ValueError("there is no user message to answer")
        return messages


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(
        description="Markdown: the answer with its [n] markers, then the numbered sources "
        "as links (text from articles escaped)."
    )


class Choice(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Approximate: words, not a tokenizer's tokens."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str = Field(examples=["chatcmpl-5f2b0c9e4d3a4f1e8b7c6d5e4f3a2b1c"])
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: None = None
    citations: list[CitationOut] = Field(
        description="newsbot's extension: the numbered sources, as in `POST /v1/ask`."
    )
    answerable: bool = Field(description="False when the archive holds no evidence.")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` event of a streamed answer; the stream ends with `data: [DONE]`."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice] = Field(description="Empty only in the usage chunk.")
    usage: Usage | None = None
    citations: list[CitationOut] | None = Field(
        None, description="On the chunk with `finish_reason`: the numbered sources."
    )
    answerable: bool | None = Field(None, description="On the chunk with `finish_reason`.")


class ModelCard(BaseModel):
    id: str = Field(examples=["newsbot"])
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "newsbot"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = Field(examples=["messages"])
    code: str | None = Field(examples=["model_not_found"])


class OpenAIErrorResponse(BaseModel):
    """The error body of the OpenAI-compatible routes (OpenAI's own shape)."""

    error: OpenAIErrorDetail


CHAT_PATHS = ("/v1/chat/completions", "/v1/models", "/v1/models/{model}")


def model_ids(modes: list[str]) -> list[str]:
    """`newsbot` (the default answer mode), then `newsbot-<mode>` for each configured mode."""
    return ["newsbot", *(f"newsbot-{mode}" for mode in modes)]


def adjust_chat_openapi(schema: dict[str, Any], modes: list[str]) -> None:
    """The models this server offers, and no 422: these routes answer 400, as OpenAI does."""
    components = schema["components"]["schemas"]
    components["ChatCompletionRequest"]["properties"]["model"]["enum"] = model_ids(modes)
    for path in CHAT_PATHS:
        for operation in schema["paths"].get(path, {}).values():
            operation.get("responses", {}).pop("422", None)
