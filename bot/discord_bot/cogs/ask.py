"""`/ask` and the buttons under its answers (passages and feedback)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.render import escape, render_passage
from bot.discord_bot.replies import NO_MENTIONS, reply_error, send_answer, send_ephemeral

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot

QUESTION_CHARS = 1000


class AskCog(commands.Cog, name="Ask"):
    """Answers with numbered citations; passage buttons show the exact quote."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        bot.button_handler = self

    @app_commands.command(name="ask", description="Ask the news archive; the answer cites sources.")
    @app_commands.describe(
        question="Your question, e.g. What was agreed at the peace talks?",
        mode="extractive quotes the articles; llm writes an answer (when configured)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 2, QUESTION_CHARS],
        mode: Literal["extractive", "llm"] | None = None,
    ) -> None:
        self.bot.service.composer(mode)  # an unavailable mode fails before the public "thinking…"
        self.bot.cooldown.check(interaction.user.id)
        await interaction.response.defer(thinking=True)
        answer = await self.bot.run_blocking(self.bot.service.answer, question, None, None, mode)
        await send_answer(interaction.followup.send, question, answer, self.bot.settings.public_url)

    async def show_passage(
        self, interaction: discord.Interaction, citation_id: str, n: int
    ) -> None:
        """The exact quote with a little context, only to the user who pressed the button."""
        try:
            # A catalog lookup (milliseconds), done inline: a button must be answered within
            # 3 s, even while the worker threads are busy composing answers.
            passage = self.bot.service.citation(citation_id)
            if passage is None:
                await send_ephemeral(
                    interaction,
                    f"Passage {n} is no longer in the archive (id `{escape(citation_id)}`).",
                )
                return
            await interaction.response.send_message(
                embed=render_passage(passage, n), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except Exception as exc:
            await reply_error(interaction, exc)

    async def record_vote(self, interaction: discord.Interaction, vote: str) -> None:
        """One vote per user and answer; a second press changes it."""
        try:
            message = interaction.message
            if message is None:
                raise RuntimeError("a vote button interaction without its message")
            embed = message.embeds[0] if message.embeds else None
            last = message.embeds[-1] if message.embeds else None
            self.bot.feedback.record(
                message.id,
                interaction.user.id,
                vote,
                question=(embed.title if embed else "") or "",
                citation_ids=(last.footer.text if last else "") or "",
            )
            thanks = "Thanks, glad it helped! 👍" if vote == "up" else "Thanks, noted. 👎"
            await send_ephemeral(interaction, thanks)
        except Exception as exc:
            await reply_error(interaction, exc)
