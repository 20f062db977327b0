"""The Article record and the text normalisation that every offset is measured against."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

# A first line longer than this is body text, not a headline.
MAX_HEADLINE_WORDS = 20
MAX_HEADLINE_CHARS = 200
DERIVED_TITLE_WORDS = 12

_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except the newline
_BLANK_RUNS = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SENTENCE_END = re.compile(r"[.,;:]$")


@dataclass(frozen=True)
class Article:
    """One news article; `text` is the normalised body that chunk offsets index into."""

    id: str
    title: str
    text: str
    url: str = ""
    published: date | None = None
    source: str = ""
    author: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def content_hash(self) -> str:
        """Identity of the content: equal for exact duplicates, whatever their ids."""
        return hashlib.sha256(f"{self.title}\n\n{self.text}".encode()).hexdigest()

    @property
    def record_hash(self) -> str:
        """Identity of content and metadata: a change here means the stored row is stale."""
        parts = [self.content_hash, self.url, self.published_iso, self.source, self.author]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def published_iso(self) -> str:
        return self.published.isoformat() if self.published else ""


def normalise_text(raw: str) -> str:
    """HTML entities decoded ("&#243;" → "ó"), control characters removed, Unicode NFC, one
    space between words, paragraphs kept as blank lines, no edge space."""
    text = html.unescape(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def normalise_title(raw: str) -> str:
    return " ".join(normalise_text(raw).split())


def clean_field(raw: str) -> str:
    """A one-line metadata field (id, URL, source, author): control characters out, spaces
    collapsed, entities left as they are (an id or URL may hold "&")."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", raw.replace("\r", " ").replace("\n", " ")))
    return " ".join(text.split())


def looks_like_headline(line: str) -> bool:
    """Short and not ending like a sentence: how a headline sits on a plain-text article's top."""
    words = line.split()
    return (
        0 < len(words) <= MAX_HEADLINE_WORDS
        and len(line) <= MAX_HEADLINE_CHARS
        and not _SENTENCE_END.search(line)
    )


def derive_title(text: str) -> str:
    """A title for an article that has none: the opening words of its first sentence."""
    first_line = text.split("\n", 1)[0]
    words = first_line.split()
    if len(words) <= DERIVED_TITLE_WORDS:
        return first_line.rstrip(".")
    return " ".join(words[:DERIVED_TITLE_WORDS]).rstrip(",;:") + "…"


def split_headline(text: str) -> tuple[str, str]:
    """(title, body) of normalised plain text: the first line is the title when it reads as one."""
    first, _, rest = text.partition("\n")
    first = first.removeprefix("# ").strip() if first.startswith("# ") else first
    if rest.strip() and looks_like_headline(first):
        return first, rest.strip()
    return derive_title(text), text


def parse_published(value: object) -> date | None:
    """An ISO 8601 date or datetime (a trailing Z included); ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"published must be an ISO date string, not {type(value).__name__}")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
