"""Links that every edge shows: an article's own URL (only http and https) and the citation
page under the server's public address."""

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


def citation_page(public_url: str, cited: str) -> str | None:
    """The web page of a citation (`/c/<id>` under NEWSBOT_PUBLIC_URL), or None without one."""
    return f"{public_url.rstrip('/')}/c/{cited}" if public_url else None
