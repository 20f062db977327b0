"""Who is calling (API key or client address), whether they may, and how often they may."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.errors import ConfigError


@dataclass(frozen=True)
class Caller:
    """The caller of one request: a valid key's fingerprint, or none, and the client address."""

    key_id: str | None
    address: str
    bad_key: bool = False  # a key was presented, but it is not one of ours
    by_cookie: bool = False  # the key came from the web pages' cookie: good for reads only

    @property
    def identity(self) -> str:
        """What rate limits count against."""
        return f"key:{self.key_id}" if self.key_id else f"addr:{self.address}"

    @property
    def owner(self) -> str:
        """Who owns the conversations this caller starts ("" = anonymous)."""
        return self.key_id or ""


class KeyRing:
    """The configured API keys; only fingerprints of keys ever leave this object."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = [key.encode() for key in keys if key]

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def identify(self, presented: str) -> str | None:
        """A stable fingerprint of a valid key, or None; compares in constant time."""
        candidate = presented.encode()
        match = None
        for key in self._keys:
            if hmac.compare_digest(candidate, key):
                match = key
        return hashlib.sha256(match).hexdigest()[:16] if match else None


KEY_COOKIE = "newsbot_key"  # set by the web pages' key form (HttpOnly, SameSite=Strict)


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key in `Authorization: Bearer <key>` or `X-API-Key: <key>`, if any."""
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else authorization.strip()
    return None


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


class RateLimiter:
    """A moving-window limit per caller identity, kept in a `limits` storage."""

    def __init__(self, spec: str, storage_uri: str = "memory://") -> None:
        self.item: RateLimitItem | None = None
        if spec.strip():
            try:
                self.item = parse(spec)
            except ValueError as exc:
                raise ConfigError(
                    f'NEWSBOT_RATE_LIMIT {spec!r} is not a rate like "60/minute": {exc}'
                ) from exc
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    @property
    def enabled(self) -> bool:
        return self.item is not None

    def hit(self, identity: str) -> RateDecision:
        if self.item is None:
            return RateDecision(True, 0, 0, 0)
        allowed = self._limiter.hit(self.item, identity)
        stats = self._limiter.get_window_stats(self.item, identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time())) if not allowed else 0
        return RateDecision(allowed, self.item.amount, stats.remaining, retry_after)
