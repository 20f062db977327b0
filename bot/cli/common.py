"""What every `newsbot` command shares: the consoles, how expected errors end a command, dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape

from bot.answer import AnswerService
from bot.container import Archive, build_archive, build_service
from bot.errors import NewsbotError
from bot.settings import Settings
from index.search.retrieval import SearchFilters
from index.store import StoreUnavailable

out = Console(emoji=False)  # ":fire:" in an article is text, not an emoji
err = Console(stderr=True, emoji=False)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


def plain(text: str) -> str:
    """Archive text for a terminal: without control characters, so an escape sequence in an
    article cannot move the cursor, retitle the window or hide what follows."""
    return _CONTROL.sub("", text)


def shown(text: str) -> str:
    """Archive text inside rich markup: plain, and its brackets not read as markup."""
    return escape(plain(text))


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` to stderr; raise the returned Exit to end the command."""
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


@contextmanager
def expected_errors() -> Iterator[None]:
    """Errors newsbot can explain end the command with their message and exit code 2."""
    try:
        yield
    except (NewsbotError, StoreUnavailable) as exc:
        raise fail(str(exc)) from exc


@contextmanager
def opened_archive(settings: Settings | None = None) -> Iterator[Archive]:
    """The archive for one command, closed after it; expected failures end the command with a
    message."""
    archive: Archive | None = None
    try:
        with expected_errors():
            archive = build_archive(settings or Settings())
            yield archive
    finally:
        if archive is not None:
            archive.close()


@contextmanager
def opened_service(settings: Settings | None = None) -> Iterator[AnswerService]:
    """The answering service for one command; expected failures end it with a message."""
    service: AnswerService | None = None
    try:
        with expected_errors():
            service = build_service(settings or Settings())
            yield service
    finally:
        if service is not None:
            service.close()


def parse_day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date like 2005-03-01", param_hint=option
        ) from exc


def search_filters(
    sources: list[str] | None, after: str | None, before: str | None
) -> SearchFilters:
    """The --source/--after/--before options as retrieval filters."""
    return SearchFilters(
        tuple(sources or ()), parse_day(after, "--after"), parse_day(before, "--before")
    )
