"""Read article files of every supported format; bad input is reported, never a crash."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.articles import (
    Article,
    derive_title,
    normalise_text,
    normalise_title,
    parse_published,
    split_headline,
)

SUPPORTED_SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm")
# Files that sit beside articles in many dumps but are not news.
NOT_ARTICLES = {"readme", "license", "licence", "changelog", "notice"}
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Problem:
    """Something about one input that a person should hear about; `where` is path or path#n."""

    where: str
    reason: str


@dataclass
class Loaded:
    """What one file gave: its articles, what was skipped, and what was read with a caveat."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def iter_article_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) pairs in a stable order; ids are the file's path relative to its root."""
    for given in paths:
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith("."):
                        yield Path(dirpath) / name, given
        else:
            yield given, given.parent


def load_file(path: Path, root: Path, max_bytes: int) -> Loaded:
    """Parse one file into articles; every failure is caught here and described."""
    rel = path.relative_to(root).as_posix()
    loaded = Loaded()
    suffix = path.suffix.lower()
    if path.stem.lower() in NOT_ARTICLES:
        loaded.skipped.append(Problem(rel, "a README or licence file, not an article"))
        return loaded
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        loaded.skipped.append(Problem(rel, f"unsupported file type '{suffix}' ({supported})"))
        return loaded
    try:
        size = path.stat().st_size
        if size > max_bytes and suffix not in (".json", ".jsonl"):
            mb, limit = size / 1e6, max_bytes / 1e6
            reason = f"skipped whole: {mb:.1f} MB is over the {limit:.1f} MB limit per article"
            loaded.skipped.append(Problem(rel, reason))
            return loaded
        raw = path.read_bytes()
    except OSError as exc:
        loaded.skipped.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
        return loaded
    if b"\x00" in raw[:BINARY_SNIFF_BYTES]:
        loaded.skipped.append(Problem(rel, "binary file, not text"))
        return loaded
    text, fallback = decode(raw)
    if fallback:
        loaded.warnings.append(Problem(rel, f"not UTF-8; read as {fallback}"))
    parser = _PARSERS[suffix]
    parser(text, rel, loaded, max_bytes)
    return loaded


def decode(raw: bytes) -> tuple[str, str | None]:
    """UTF-8 (a BOM allowed), else Windows-1252, the usual encoding of older news dumps."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _parse_plain(text: str, rel: str, loaded: Loaded, max_bytes: int) -> None:
    body = normalise_text(text)
    if not body:
        loaded.skipped.append(Problem(rel, "empty file"))
        return
    title, body = split_headline(body)
    loaded.articles.append(Article(id=rel, title=title, text=body, source=rel))


def _parse_html(text: str, rel: str, loaded: Loaded, max_bytes: int) -> None:
    import trafilatura  # slow to import; only HTML needs it

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False)
    body = normalise_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if not body:
        loaded.skipped.append(Problem(rel, "no article text found in the HTML"))
        return
    title = normalise_title(getattr(doc, "title", None) or "")
    if title and body.startswith(title):
        body = body[len(title) :].strip() or body
    if not title:
        title, body = split_headline(body)
    try:
        published = parse_published(getattr(doc, "date", None))
    except ValueError:
        published = None
    loaded.articles.append(
        Article(
            id=rel,
            title=title,
            text=body,
            url=getattr(doc, "url", None) or "",
            published=published,
            source=getattr(doc, "sitename", None) or rel,
            author=getattr(doc, "author", None) or "",
        )
    )


def _parse_json(text: str, rel: str, loaded: Loaded, max_bytes: int) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        loaded.skipped.append(Problem(rel, f"malformed JSON at line {exc.lineno}: {exc.msg}"))
        return
    records = data if isinstance(data, list) else [data]
    for n, record in enumerate(records, start=1):
        where = rel if isinstance(data, dict) else f"{rel}#{n}"
        _add_record(record, where, rel, loaded, max_bytes)


def _parse_jsonl(text: str, rel: str, loaded: Loaded, max_bytes: int) -> None:
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{rel}#{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            loaded.skipped.append(Problem(where, f"malformed JSON line: {exc.msg}"))
            continue
        _add_record(record, where, rel, loaded, max_bytes)


def _add_record(record: Any, where: str, rel: str, loaded: Loaded, max_bytes: int) -> None:
    try:
        article = article_from_record(record, default_id=where, default_source=rel)
    except ValueError as exc:
        loaded.skipped.append(Problem(where, str(exc)))
        return
    if len(article.text.encode()) > max_bytes:
        loaded.skipped.append(Problem(where, f"text is over the {max_bytes / 1e6:.1f} MB limit"))
        return
    loaded.articles.append(article)


def article_from_record(record: Any, default_id: str, default_source: str) -> Article:
    """An Article from the JSON schema (id, title, text|body, url, published, source, author)."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    raw_text = record.get("text", record.get("body"))
    if not isinstance(raw_text, str) or not raw_text.strip():
        raise ValueError("no 'text' (or 'body') string")
    text = normalise_text(raw_text)
    title = normalise_title(str(record.get("title") or "")) or derive_title(text)
    try:
        published = parse_published(record.get("published"))
    except ValueError as exc:
        raise ValueError(f"bad 'published' value {record.get('published')!r}: {exc}") from exc
    return Article(
        id=str(record.get("id") or default_id),
        title=title,
        text=text,
        url=str(record.get("url") or ""),
        published=published,
        source=str(record.get("source") or default_source),
        author=str(record.get("author") or ""),
    )


_PARSERS = {
    ".txt": _parse_plain,
    ".md": _parse_plain,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}
