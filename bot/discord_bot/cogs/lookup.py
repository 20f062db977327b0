"""`/source` (a cited passage by id) and `/search` (the top passages for a query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.render import escape, render_passage, render_search
from bot.discord_bot.replies import NO_MENTIONS, send_ephemeral

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot

SEARCH_RESULTS = 5


class LookupCog(commands.Cog, name="Lookup"):
    """Direct access to the archive's passages, without composing an answer."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="source", description="Show a cited passage by its id.")
    @app_commands.rename(citation_id="id")
    @app_commands.describe(
        citation_id="The id from an answer's footer, e.g. 0a6262d6a783289d:0-812"
    )
    async def source(
        self, interaction: discord.Interaction, citation_id: app_commands.Range[str, 1, 120]
    ) -> None:
        citation_id = citation_id.strip().strip("`")
        passage = self.bot.service.citation(citation_id)  # inline, as in AskCog.show_passage
        if passage is None:
            await send_ephemeral(
                interaction, f"No passage has the id `{escape(citation_id)}` in this archive."
            )
            return
        await interaction.response.send_message(
            embed=render_passage(passage), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="search", description="List the passages that best match a query.")
    @app_commands.describe(query="Words to look for, e.g. ceasefire talks Istanbul")
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 2, 500]
    ) -> None:
        self.bot.cooldown.check(interaction.user.id)
        await interaction.response.defer(thinking=True)
        passages = await self.bot.run_blocking(self.bot.service.search, query, SEARCH_RESULTS)
        await interaction.followup.send(
            embed=render_search(query, passages), allowed_mentions=NO_MENTIONS
        )
