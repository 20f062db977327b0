"""newsbot on Discord (named so it cannot shadow the `discord` library)."""

from __future__ import annotations

from bot.discord_bot.client import NewsBot, newsbot_version
from bot.discord_bot.runner import run_bot

__all__ = ["NewsBot", "newsbot_version", "run_bot"]
