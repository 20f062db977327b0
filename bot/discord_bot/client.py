"""The Discord bot: takes the answering service and settings, wires the cogs, syncs commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import AnswerService
from bot.api.conversations import ConversationStore
from bot.discord_bot.feedback import FeedbackStore
from bot.discord_bot.guards import Allowlist, NotAllowedHere, UserCooldown
from bot.discord_bot.recent import RecentCitations
from bot.discord_bot.replies import NO_MENTIONS, reply_error
from bot.discord_bot.views import DYNAMIC_ITEMS, ButtonHandler
from bot.settings import Settings

log = logging.getLogger("newsbot.discord")
T = TypeVar("T")


def newsbot_version() -> str:
    try:
        return version("newsbot")
    except PackageNotFoundError:
        return "unknown"


def bot_intents(message_content: bool) -> discord.Intents:
    """Guilds only for slash commands; guild messages and message content for mention mode."""
    intents = discord.Intents.none()
    intents.guilds = True
    if message_content:
        intents.guild_messages = True
        intents.message_content = True
    return intents


def invite_permissions() -> discord.Permissions:
    """What the bot needs: read and answer in channels, embed links, and threads (mention mode)."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        read_message_history=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id,
        permissions=invite_permissions(),
        scopes=("bot", "applications.commands"),
    )


class NewsTree(app_commands.CommandTree["NewsBot"]):
    """Checks the allowlists before every command and turns errors into ephemeral replies."""

    async def interaction_check(self, interaction: discord.Interaction[NewsBot]) -> bool:
        channel = interaction.channel
        parent_id = getattr(channel, "parent_id", None)
        if self.client.allowlist.allows(interaction.guild_id, interaction.channel_id, parent_id):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])  # takes no message: offer nothing
            return False
        raise NotAllowedHere()

    async def on_error(
        self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)


class NewsBot(commands.Bot):
    """newsbot on Discord; all state that must outlive a restart lives in custom_ids or SQLite."""

    button_handler: ButtonHandler | None

    def __init__(
        self,
        service: AnswerService,
        settings: Settings,
        *,
        feedback: FeedbackStore | None = None,
        workers: int = 2,
        **options: Any,
    ) -> None:
        """`options` go to discord.py's Client (e.g. `guild_ready_timeout`)."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(settings.discord_message_content),
            allowed_mentions=NO_MENTIONS,
            tree_cls=NewsTree,
            help_command=None,
            **options,
        )
        self.service = service
        self.settings = settings
        self.version = newsbot_version()
        self.feedback = feedback or FeedbackStore(settings.discord_feedback_path)
        # Follow-ups keep their history as the REST API's conversations do (expiry, owners).
        self.conversations = ConversationStore(
            settings.discord_conversations_path,
            ttl_s=settings.conversation_ttl_minutes * 60,
            keep_turns=settings.conversation_turns,
        )
        self.recent = RecentCitations()
        self.allowlist = Allowlist.of(settings.discord_guild_ids, settings.discord_channel_ids)
        self.cooldown = UserCooldown(
            settings.discord_cooldown_questions, settings.discord_cooldown_seconds
        )
        self.button_handler = None
        # The service is synchronous and CPU-bound: keep it off the event loop.
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="newsbot-discord")

    async def run_blocking(self, func: Callable[..., T], *args: Any) -> T:
        """Run a service call in the worker threads so the gateway heartbeat never stalls."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def setup_hook(self) -> None:
        from bot.discord_bot.cogs import load_cogs

        await load_cogs(self)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """To the listed servers (instant) when set, otherwise globally (can take an hour)."""
        if not self.settings.discord_guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
            return
        for guild_id in self.settings.discord_guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to server %s", len(synced), guild_id)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions are handled by the mention cog's listener."""

    async def on_ready(self) -> None:
        log.info("logged in as %s in %d servers", self.user, len(self.guilds))
        if self.application_id is not None:
            log.info("invite link: %s", invite_url(self.application_id))

    async def close(self) -> None:
        await super().close()
        # an answer being made still reads the stores: let it finish before they close
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
        self.feedback.close()
        self.conversations.close()
