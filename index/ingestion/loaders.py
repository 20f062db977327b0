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
    clean_field,
    derive_title,
    normalise_text,
    normalise_title,
    parse_published,
    split_headline,
)
from index.ingestion.web_articles import extract_page

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


@dataclass(frozen=True)
class ArticleFile:
    """One file to read: its id (`rel`, unique among the files of one ingest) and the source
    its articles get unless they name their own."""

    path: Path
    rel: str
    source: str
    source_given: bool = False  # named at ingest (--source): it wins over an HTML site name


def iter_article_files(
    paths: list[Path], source: str | None = None, id_prefix: str = ""
) -> Iterator[ArticleFile]:
    """Every file under `paths` once, in a stable order.

    Ids are paths relative to one root, so that no two files of one ingest share an id: the
    folder given (or a file's own folder) when one path is given, else the deepest folder
    holding them all (`two/a two/b` gives `a/001.txt` and `b/001.txt`); `id_prefix` goes
    before every id. The source is `source`, else the name of the folder given (a file's
    own folder when a file is given): `bbc` for the BBC corpus.
    """
    folders = [_absolute(p) if p.is_dir() else _absolute(p).parent for p in paths]
    root = folders[0] if len(folders) == 1 else Path(os.path.commonpath(folders))
    prefix = id_prefix.strip("/") + "/" if id_prefix.strip("/") else ""
    seen: set[Path] = set()
    for given, folder in zip(paths, folders, strict=True):
        named = source or folder.name or str(folder)
        for path in _files_under(given):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            rel = prefix + _absolute(path).relative_to(root).as_posix()
            yield ArticleFile(path, rel, named, source_given=bool(source))


def _absolute(path: Path) -> Path:
    """The path from /, ".." folded, symbolic links kept (an id names the link, not its target)."""
    return Path(os.path.abspath(path))


def _files_under(given: Path) -> Iterator[Path]:
    if not given.is_dir():
        yield given
        return
    for dirpath, dirnames, filenames in os.walk(given):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def load_file(file: ArticleFile, max_bytes: int) -> Loaded:
    """Parse one file into articles; every failure is caught here and described."""
    path, rel = file.path, file.rel
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
    parser(text, rel, file, loaded, max_bytes)
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


def _parse_plain(text: str, rel: str, file: ArticleFile, loaded: Loaded, max_bytes: int) -> None:
    body = normalise_text(text)
    if not body:
        loaded.skipped.append(Problem(rel, "no text left after cleaning (empty file)"))
        return
    title, body = split_headline(body)
    loaded.articles.append(Article(id=rel, title=title, text=body, source=file.source))


def _parse_html(text: str, rel: str, file: ArticleFile, loaded: Loaded, max_bytes: int) -> None:
    page = extract_page(text)
    if page is None:
        loaded.skipped.append(Problem(rel, "no article text found in the HTML"))
        return
    title, body = (page.title, page.text) if page.title else split_headline(page.text)
    source = file.source if file.source_given or not page.site else page.site
    loaded.articles.append(
        Article(
            id=rel,
            title=title,
            text=body,
            url=page.url,
            published=page.published,
            source=source,
            author=page.author,
        )
    )


def _parse_json(text: str, rel: str, file: ArticleFile, loaded: Loaded, max_bytes: int) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        loaded.skipped.append(Problem(rel, f"malformed JSON at line {exc.lineno}: {exc.msg}"))
        return
    records = data if isinstance(data, list) else [data]
    for n, record in enumerate(records, start=1):
        where = rel if isinstance(data, dict) else f"{rel}#{n}"
        _add_record(record, where, file.source, loaded, max_bytes)


def _parse_jsonl(text: str, rel: str, file: ArticleFile, loaded: Loaded, max_bytes: int) -> None:
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{rel}#{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            loaded.skipped.append(Problem(where, f"malformed JSON line: {exc.msg}"))
            continue
        _add_record(record, where, file.source, loaded, max_bytes)


def _add_record(record: Any, where: str, source: str, loaded: Loaded, max_bytes: int) -> None:
    try:
        article = article_from_record(record, default_id=where, default_source=source)
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
    if not text:
        raise ValueError("no text left after cleaning (only control characters and spaces)")
    title = normalise_title(str(record.get("title") or "")) or derive_title(text)
    try:
        published = parse_published(record.get("published"))
    except ValueError as exc:
        raise ValueError(f"bad 'published' value {record.get('published')!r}: {exc}") from exc
    return Article(
        id=clean_field(str(record.get("id") or "")) or default_id,
        title=title,
        text=text,
        url=clean_field(str(record.get("url") or "")),
        published=published,
        source=clean_field(str(record.get("source") or "")) or default_source,
        author=clean_field(str(record.get("author") or "")),
    )


_PARSERS = {
    ".txt": _parse_plain,
    ".md": _parse_plain,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}
