"""Links to article text that are safe to put in a page: only http and https URLs."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_url(url: str) -> str | None:
    """`url` when it is an absolute http(s) URL with a host; None otherwise (javascript:,
    data:, relative or malformed links from an article are never made clickable)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def highlight(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The text before a span, the span, and the text after it (a template escapes each)."""
    return text[:start], text[start:end], text[end:]
