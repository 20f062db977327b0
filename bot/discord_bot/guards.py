"""Who may ask where, and how often: the server/channel allowlists and a per-user cooldown."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from discord import app_commands


class NotAllowedHere(app_commands.CheckFailure):
    """The bot is not enabled in this server or channel."""

    def __init__(self) -> None:
        super().__init__("I'm not enabled in this channel; ask in one where newsbot is allowed.")


class SlowDown(app_commands.CheckFailure):
    """A user asked more often than the cooldown allows."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, round(retry_after))
        super().__init__(f"You're asking faster than I can keep up: try again in {seconds} s. ⏳")


@dataclass(frozen=True)
class Allowlist:
    """Servers and channels the bot serves; an empty list allows all."""

    guild_ids: frozenset[int] = frozenset()
    channel_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, guild_ids: Iterable[int], channel_ids: Iterable[int]) -> Allowlist:
        return cls(frozenset(guild_ids), frozenset(channel_ids))

    def allows(
        self, guild_id: int | None, channel_id: int | None, parent_id: int | None = None
    ) -> bool:
        """A thread counts as its parent channel; DMs only when no list is set."""
        if self.guild_ids and guild_id not in self.guild_ids:
            return False
        if not self.channel_ids:
            return True
        return channel_id in self.channel_ids or parent_id in self.channel_ids


@dataclass
class UserCooldown:
    """At most `rate` questions per `per` seconds for each user."""

    rate: int
    per: float
    clock: Callable[[], float] = time.monotonic
    _asked: dict[int, deque[float]] = field(default_factory=dict)

    def retry_after(self, user_id: int) -> float:
        """Seconds until `user_id` may ask again; 0 means now (and counts this question)."""
        if self.per <= 0:
            return 0.0
        now = self.clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and now - asked[0] >= self.per:
            asked.popleft()
        if len(asked) >= self.rate:
            return self.per - (now - asked[0])
        asked.append(now)
        if len(self._asked) > 10_000:  # forget idle users so memory stays bounded
            self._asked = {u: q for u, q in self._asked.items() if q and now - q[-1] < self.per}
        return 0.0

    def check(self, user_id: int) -> None:
        wait = self.retry_after(user_id)
        if wait > 0:
            raise SlowDown(wait)
