"""`/help`: what the bot can do, examples, the archive it answers from, and its limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.modals import QUESTION_CHARS
from bot.discord_bot.render import HelpFacts, render_help
from bot.discord_bot.replies import NO_MENTIONS

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot


class HelpCog(commands.Cog, name="Help"):
    """A private page, so asking for help never fills the channel."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What newsbot can do, with examples.")
    async def help(self, interaction: discord.Interaction) -> None:
        settings = self.bot.settings
        facts = HelpFacts(
            modes=self.bot.service.modes,
            questions_per_window=settings.discord_cooldown_questions,
            window_s=settings.discord_cooldown_seconds,
            follow_up_turns=settings.conversation_turns,
            follow_up_minutes=settings.conversation_ttl_minutes,
            mentions=settings.discord_message_content,
            question_chars=QUESTION_CHARS,
        )
        # Catalog counts: milliseconds, answered inline like /about.
        embed = render_help(self.bot.service.stats(), self.bot.service.sources(), facts)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
