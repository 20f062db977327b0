"""`/about`: the archive's numbers, the bot's version and the feedback so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.render import render_about
from bot.discord_bot.replies import NO_MENTIONS

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot


class AboutCog(commands.Cog, name="About"):
    """What the bot knows and how it is doing."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What newsbot knows: archive size, version.")
    async def about(self, interaction: discord.Interaction) -> None:
        stats = self.bot.service.stats()  # catalog counts: milliseconds, see show_passage
        embed = render_about(stats, self.bot.version, self.bot.feedback.counts())
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)
