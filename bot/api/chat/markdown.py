"""An Answer as the Markdown a chat app shows, and a chat transcript as newsbot's conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from bot.api.chat.schemas import AssistantMessage, ChatMessage, UserMessage
from bot.links import citation_page, safe_url
from bot.models import Answer, Citation, Turn

SOURCES_HEADING = "\n\n**Sources**\n"
# A citation marker stays as it is (unless a "(" or ":" after it could make it a link);
# every other character Markdown, or a chat app's math and tables, could read as markup is
# escaped, so that article text is never live markup.
_MARKUP = re.compile(r"(\[\d+\](?![(:]))|([\\`*_~\[\]<>|#$])")
_ESCAPED = re.compile(r"\\([\\`*_~\[\]<>|#$])")
_OPEN_MARKER = re.compile(r"\[\d*\]?$")  # at the end of a piece: what follows decides


def escape(text: str) -> str:
    """Article text as literal Markdown, its [n] citation markers kept."""
    return _MARKUP.sub(lambda m: m[1] or "\\" + m[2], text)


def unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


class StreamEscaper:
    """`escape` over text that arrives in pieces: a marker at the end of a piece ("[1", "[1]")
    is held back until the next character is known, so the pieces escape to exactly what the
    whole text would."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        partial = _OPEN_MARKER.search(text)
        cut = partial.start() if partial else len(text)
        self._held = text[cut:]
        return escape(text[:cut])

    def flush(self) -> str:
        held, self._held = self._held, ""
        return escape(held)


def _link_target(url: str) -> str:
    """A URL that cannot end a Markdown link early: spaces, parentheses and < > encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def source_line(citation: Citation, public_url: str = "") -> str:
    """`- [n] [Headline](link) · outlet · date`, linked to the citation page when the server's
    public address is known, else to the article (only http and https links)."""
    title = escape(" ".join((citation.title or citation.article_id).split()))
    url = safe_url(citation_page(public_url, citation.id) or "") or safe_url(citation.url)
    headline = f"[{title}]({_link_target(url)})" if url else title
    outlet = citation.source if citation.source != citation.article_id else ""
    facts = [escape(part) for part in (outlet, citation.published or "") if part]
    return " · ".join([f"- [{citation.n}] {headline}", *facts])


def sources_markdown(answer: Answer, public_url: str = "") -> str:
    """The numbered sources under the answer text ("" when there are none)."""
    if not answer.citations:
        return ""
    lines = [source_line(c, public_url) for c in answer.citations]
    return SOURCES_HEADING + "\n" + "\n".join(lines)


def answer_markdown(answer: Answer, public_url: str = "") -> str:
    return escape(answer.answer) + sources_markdown(answer, public_url)


def as_conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message (the question) and the exchanges before it, as Turns: each
    user message with the assistant's reply after it (its sources and escapes taken off)."""
    last = max(i for i, m in enumerate(messages) if isinstance(m, UserMessage))
    turns: list[Turn] = []
    for message in messages[:last]:
        if isinstance(message, UserMessage):
            turns.append(Turn(message.text(), ""))
        elif isinstance(message, AssistantMessage) and turns:
            said = unescape(message.text().partition(SOURCES_HEADING)[0]).strip()
            previous = turns[-1]
            turns[-1] = Turn(previous.question, f"{previous.answer} {said}".strip())
    return messages[last].text().strip(), turns


def word_count(text: str) -> int:
    """The usage figures' "tokens": words, an honest approximation without a tokenizer."""
    return len(text.split())
