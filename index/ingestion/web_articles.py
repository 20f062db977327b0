"""Articles from the web: a page's text and metadata (trafilatura), a feed's items (feedparser)."""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from xml.sax import SAXException

from index.articles import Article, clean_field, normalise_text, normalise_title, parse_published

FEED_TYPES = ("rss", "atom", "xml", "rdf")


class NotAnArticle(ValueError):
    """A page without article text, or a body that is not a feed."""


@dataclass(frozen=True)
class FeedItem:
    link: str
    title: str
    published: date | None


@dataclass(frozen=True)
class Feed:
    title: str
    items: list[FeedItem]
    skipped: list[str]  # why items were left out (no link …)


def looks_like_feed(content_type: str, body: bytes) -> bool:
    """RSS or Atom by its Content-Type, or by its first element when the server says neither
    (an HTML page, XHTML included, is never taken for a feed)."""
    kind = content_type.split(";")[0].strip().lower()
    if "html" in kind:
        return False
    if any(t in kind for t in FEED_TYPES):
        return True
    head = body[:2048].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head


def parse_feed(body: bytes, url: str) -> Feed:
    """The items of an RSS or Atom document; NotAnArticle when it is neither."""
    import feedparser  # slow to import; only feeds need it

    # bytes, never a str: feedparser opens a string that looks like a path or URL itself
    parsed: Any = feedparser.parse(io.BytesIO(body))
    broken = parsed.get("bozo_exception")
    if isinstance(broken, SAXException):  # feedparser reads on past bad XML; a feed must not
        raise NotAnArticle(f"{url}: not an RSS or Atom feed: the XML is not well-formed ({broken})")
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise NotAnArticle(f"{url}: not an RSS or Atom feed ({reason})")
    items: list[FeedItem] = []
    skipped: list[str] = []
    links: set[str] = set()
    for n, entry in enumerate(parsed.entries, start=1):
        link = clean_field(str(entry.get("link") or ""))
        title = normalise_title(str(entry.get("title") or ""))
        if not link.startswith(("http://", "https://")):
            skipped.append(f"item {n} ({title or 'untitled'}): no http(s) link")
            continue
        if link in links:
            continue  # the same item listed twice
        links.add(link)
        items.append(FeedItem(link, title, _entry_date(entry)))
    return Feed(normalise_title(str(parsed.feed.get("title") or "")), items, skipped)


@dataclass(frozen=True)
class ExtractedPage:
    """What trafilatura finds on an HTML page, cleaned; empty strings where it found nothing."""

    text: str  # the main text, without the headline when it repeats it
    title: str
    published: date | None
    url: str  # the page's own (canonical) URL, when it names one
    site: str
    author: str


def extract_page(html: str, url: str | None = None) -> ExtractedPage | None:
    """The article text and metadata of an HTML page (files and fetched pages alike), or None
    when the page holds no article text."""
    import trafilatura  # slow to import; only HTML needs it

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    text = normalise_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if not text:
        return None
    title = normalise_title(getattr(doc, "title", None) or "")
    if title and text.startswith(title):
        text = text[len(title) :].strip() or text
    try:
        published = parse_published(getattr(doc, "date", None))
    except ValueError:
        published = None
    return ExtractedPage(
        text=text,
        title=title,
        published=published,
        url=clean_field(getattr(doc, "url", None) or ""),
        site=clean_field(getattr(doc, "sitename", None) or ""),
        author=clean_field(getattr(doc, "author", None) or ""),
    )


def article_from_page(
    html: str, url: str, source: str = "", title: str = "", published: date | None = None
) -> Article:
    """The article on a page: its text, headline, date, author and site (trafilatura); the
    feed item's title and date stand in for what the page lacks. Its id and URL are the page's
    canonical URL (`<link rel="canonical">`) when it names an http(s) one, else `url`."""
    page = extract_page(html, url)
    if page is None:
        raise NotAnArticle(f"{url}: no article text found on the page")
    text = page.text
    if not page.title and title and text.startswith(title):
        text = text[len(title) :].strip() or text
    headline = page.title or title
    canonical = page.url if page.url.startswith(("http://", "https://")) else clean_field(url)
    return Article(
        id=canonical,
        title=headline or text.split("\n", 1)[0][:120],
        text=text,
        url=canonical,
        published=page.published or published,
        source=source or page.site or (urlsplit(url).hostname or ""),
        author=page.author,
    )


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = entry.get(key)
        if stamp:
            return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC).date()
    return None
