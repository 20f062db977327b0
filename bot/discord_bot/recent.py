"""The citations recently shown in each channel, so `/source` can offer them by headline."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from bot.discord_bot.render import CHOICE_CHARS, CHOICES, truncate
from bot.models import Citation

PER_CHANNEL = 50
CHANNELS = 1000


@dataclass(frozen=True)
class Shown:
    """One citation as an answer showed it: `[n] headline`; `user_id` set when only they saw it."""

    citation_id: str
    label: str
    user_id: int | None


class RecentCitations:
    """In memory only: after a restart `/source` still takes a pasted id or a passage button."""

    def __init__(self, per_channel: int = PER_CHANNEL, channels: int = CHANNELS) -> None:
        self._seen: OrderedDict[int, deque[Shown]] = OrderedDict()
        self._per_channel = per_channel
        self._channels = channels
        self._lock = threading.Lock()

    def add(self, channel_id: int, citations: Sequence[Citation], private_to: int | None) -> None:
        """The citations of one answer; `private_to` is the asker when the answer was ephemeral."""
        with self._lock:
            shown = self._seen.pop(channel_id, None) or deque(maxlen=self._per_channel)
            self._seen[channel_id] = shown  # most recently used channel last
            for citation in reversed(citations):  # the answer's [1] first among the newest
                headline = " ".join((citation.title or citation.article_id).split())
                label = truncate(f"[{citation.n}] {headline}", CHOICE_CHARS)
                shown.appendleft(Shown(citation.id, label, private_to))
            while len(self._seen) > self._channels:
                self._seen.popitem(last=False)

    def choices(self, channel_id: int, user_id: int, typed: str) -> list[Shown]:
        """Newest first, de-duplicated, those whose label or id contains what was typed."""
        typed = typed.strip().lower()
        with self._lock:
            shown = list(self._seen.get(channel_id, ()))
        found: dict[str, Shown] = {}
        for item in shown:
            if item.user_id not in (None, user_id) or item.citation_id in found:
                continue
            if typed in item.label.lower() or typed in item.citation_id:
                found[item.citation_id] = item
            if len(found) == CHOICES:
                break
        return list(found.values())

    def only_shown_to(self, channel_id: int, user_id: int, citation_id: str) -> bool:
        """Whether the citation was shown in this channel only to `user_id`, never publicly."""
        with self._lock:
            shown = [s for s in self._seen.get(channel_id, ()) if s.citation_id == citation_id]
        return bool(shown) and all(s.user_id == user_id for s in shown)
