"""`/source` (a cited passage by id) and `/search` (the top passages for a query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.options import DATE_HINT, filters_from, source_choices, typed_text
from bot.discord_bot.render import code, render_passage, render_search
from bot.discord_bot.replies import NO_MENTIONS, send_ephemeral

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot

SEARCH_RESULTS = 5
MAX_SEARCH_RESULTS = 10


class LookupCog(commands.Cog, name="Lookup"):
    """Direct access to the archive's passages, without composing an answer."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="source", description="Show a passage cited in this channel.")
    @app_commands.rename(citation_id="id")
    @app_commands.describe(
        citation_id="Pick a recent citation ([n] headline), or paste an id from an answer's footer",
        private="Show it only to you (always so for a citation only you were shown)",
    )
    async def source(
        self,
        interaction: discord.Interaction,
        citation_id: app_commands.Range[str, 1, 120],
        private: bool = False,
    ) -> None:
        citation_id = citation_id.strip().strip("`")
        passage = self.bot.service.citation(citation_id)  # inline, as in AskCog.show_passage
        if passage is None:
            await send_ephemeral(
                interaction, f"No passage has the id {code(citation_id)} in this archive."
            )
            return
        if interaction.channel_id is not None:  # what was answered privately stays private
            private |= self.bot.recent.only_shown_to(
                interaction.channel_id, interaction.user.id, passage.id
            )
        await interaction.response.send_message(
            embed=render_passage(passage), ephemeral=private, allowed_mentions=NO_MENTIONS
        )

    @source.autocomplete("citation_id")
    async def _recent(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.channel_id is None:
            return []
        shown = self.bot.recent.choices(interaction.channel_id, interaction.user.id, current)
        return [app_commands.Choice(name=s.label, value=s.citation_id) for s in shown]

    @app_commands.command(name="search", description="List the passages that best match a query.")
    @app_commands.describe(
        query="Words to look for, e.g. ceasefire talks Istanbul",
        count=f"How many passages (1–{MAX_SEARCH_RESULTS}, default {SEARCH_RESULTS})",
        source="Only articles from this source",
        after=DATE_HINT.format("after"),
        before=DATE_HINT.format("before"),
        private="Show the results only to you",
    )
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 2, 500],
        count: app_commands.Range[int, 1, MAX_SEARCH_RESULTS] = SEARCH_RESULTS,
        source: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
    ) -> None:
        query = typed_text(query, "query")
        filters = filters_from(self.bot.service, source, after, before)
        self.bot.cooldown.check(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        passages = await self.bot.run_blocking(self.bot.service.search, query, count, filters)
        await interaction.followup.send(
            embed=render_search(query, passages), allowed_mentions=NO_MENTIONS, ephemeral=private
        )

    @search.autocomplete("source")
    async def _sources(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return source_choices(self.bot.service.sources(), current)
