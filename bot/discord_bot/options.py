"""The options `/ask` and `/search` share: source and date filters, parsed and autocompleted."""

from __future__ import annotations

from datetime import date

from discord import app_commands

from bot.answer import AnswerService
from bot.errors import NewsbotError
from bot.models import Turn
from index.retrieval import SearchFilters

SOURCE_CHOICES = 25  # Discord's limit
DATE_HINT = "Only articles published on or {} this date, e.g. 2005-03-01"


class BadOption(NewsbotError):
    """An option a user typed cannot be used (a malformed date, an unknown source)."""


def parse_day(value: str | None, option: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadOption(
            f"`{option}` must be a date like 2005-03-01, not “{value.strip()[:40]}”."
        ) from None


def filters_from(
    service: AnswerService, source: str | None, after: str | None, before: str | None
) -> SearchFilters | None:
    """The options as retrieval filters (None when none is set); BadOption when one is wrong."""
    published_after, published_before = parse_day(after, "after"), parse_day(before, "before")
    if published_after and published_before and published_after > published_before:
        raise BadOption("`after` must be on or before `before`.")
    sources: tuple[str, ...] = ()
    if source and source.strip():
        known = {s.name for s in service.sources()}
        if source.strip() not in known:
            raise BadOption(
                f"The archive has no source called “{source.strip()[:60]}”: pick one from the list."
            )
        sources = (source.strip(),)
    filters = SearchFilters(sources, published_after, published_before)
    return filters if filters.active else None


def source_choices(service: AnswerService, typed: str) -> list[app_commands.Choice[str]]:
    """The archive's sources whose name contains what was typed, largest first."""
    typed = typed.strip().lower()
    sources = sorted(service.sources(), key=lambda s: (-s.articles, s.name))
    return [
        app_commands.Choice(name=f"{s.name} ({s.articles} articles)"[:100], value=s.name[:100])
        for s in sources
        if typed in s.name.lower()
    ][:SOURCE_CHOICES]


def history_text(history: list[Turn]) -> str:
    """How many earlier turns a follow-up carried, for the answer's footer."""
    return f"follow-up to {len(history)} earlier question{'s' * (len(history) != 1)}"
