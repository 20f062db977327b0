"""The options `/ask` and `/search` share: source and date filters, parsed and autocompleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from discord import app_commands

from bot.answer import AnswerService
from bot.discord_bot.render import CHOICE_CHARS, CHOICES, truncate
from bot.errors import NewsbotError
from bot.models import Turn
from index.catalog import SourceSummary
from index.search.retrieval import SearchFilters

DATE_HINT = "Only articles published on or {} this date, e.g. 2005-03-01"


class BadOption(NewsbotError):
    """An option a user typed cannot be used (a malformed date, an unknown source)."""


def typed_text(value: str, option: str) -> str:
    """What was typed without its outer spaces; BadOption when that leaves nothing to go on
    (Discord counts spaces towards an option's minimum length)."""
    value = value.strip()
    if len(value) < 2:
        raise BadOption(f"`{option}` needs at least two characters besides spaces.")
    return value


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


def source_choices(sources: Sequence[SourceSummary], typed: str) -> list[app_commands.Choice[str]]:
    """The sources whose name contains what was typed, largest first. A name that cannot be a
    choice's value (empty, or over Discord's 100 characters) is left out: it can still be typed."""
    typed = typed.strip().lower()
    ranked = sorted(sources, key=lambda s: (-s.articles, s.name))
    fitting = [s for s in ranked if s.name.strip() and len(s.name) <= CHOICE_CHARS]
    return [
        app_commands.Choice(name=truncate(_label(s), CHOICE_CHARS), value=s.name)
        for s in fitting
        if typed in s.name.lower()
    ][:CHOICES]


def _label(source: SourceSummary) -> str:
    return f"{' '.join(source.name.split())} ({source.articles} articles)"


def history_text(history: list[Turn]) -> str:
    """How many earlier turns a follow-up carried, for the answer's footer."""
    return f"follow-up to {len(history)} earlier question{'s' * (len(history) != 1)}"
