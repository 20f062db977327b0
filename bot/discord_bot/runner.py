"""Start the bot from settings; start-up failures become ConfigErrors with a clear message."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.errors import ConfigError
from bot.settings import Settings

NO_TOKEN = (
    "no Discord bot token: set DISCORD_TOKEN (or NEWSBOT_DISCORD_TOKEN) in the environment "
    "or .env (see docs/discord.md)"
)


def require_token(settings: Settings) -> str:
    token = settings.discord_token.get_secret_value().strip()
    if not token:
        raise ConfigError(NO_TOKEN)
    return token


def run_bot(settings: Settings) -> None:
    """Run until stopped (Ctrl-C); the token is checked before the archive is opened."""
    from bot.container import build_service
    from bot.discord_bot.client import NewsBot

    token = require_token(settings)
    for name in ("discord", "newsbot"):
        logging.getLogger(name).setLevel(logging.INFO)
    service = build_service(settings)

    async def main() -> None:
        async with NewsBot(service, settings) as bot:
            await bot.start(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure as exc:
        raise ConfigError("Discord rejected the bot token: check DISCORD_TOKEN") from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(
            "NEWSBOT_DISCORD_MESSAGE_CONTENT=true needs the Message Content intent: enable it "
            "under Bot → Privileged Gateway Intents in the Developer Portal, or turn it off"
        ) from exc
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
