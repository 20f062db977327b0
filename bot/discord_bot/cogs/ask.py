"""`/ask`, its follow-ups, and the buttons under its answers (passages, feedback, Follow up)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.feedback import AnsweredRecord
from bot.discord_bot.modals import (
    FORM_EXPIRED,
    QUESTION_CHARS,
    OpenForms,
    follow_up_modal,
    reason_modal,
)
from bot.discord_bot.options import DATE_HINT, filters_from, source_choices, typed_text
from bot.discord_bot.render import escape, render_passage
from bot.discord_bot.replies import NO_MENTIONS, reply_error, send_answer, send_ephemeral
from bot.models import Answer, Turn
from index.search.retrieval import SearchFilters

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot

ASK_OPTIONS = {
    "question": "Your question, e.g. What was agreed at the peace talks?",
    "source": "Only articles from this source",
    "after": DATE_HINT.format("after"),
    "before": DATE_HINT.format("before"),
    "private": "Answer only to you (default: everyone in the channel sees it)",
}


def owner(user: discord.abc.User) -> str:
    """A conversation's owner: only the asker continues their own conversation."""
    return f"discord:{user.id}"


def is_ephemeral(message: discord.Message | None) -> bool:
    return message is not None and message.flags.ephemeral


class AskCog(commands.Cog, name="Ask"):
    """Answers with numbered citations; passage buttons show the exact quote."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        bot.button_handler = self
        self.ask_command = ask_command(self, bot.service.modes)
        self.forms = OpenForms()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.ask_command)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.ask_command.name)

    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        source: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
        mode: str | None = None,
    ) -> None:
        """`/ask`: bad options and an unavailable mode fail before the public "thinking…"."""
        question = typed_text(question, "question")
        filters = filters_from(self.bot.service, source, after, before)
        self.bot.service.composer(mode)
        self.bot.cooldown.check(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        conversation_id = self.bot.conversations.new_id()
        await self._answer(interaction, question, [], conversation_id, private, filters, mode)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A form no open modal will answer still gets a reply, not Discord's "failed"."""
        if self.forms.expired(interaction):
            await send_ephemeral(interaction, FORM_EXPIRED)

    async def sources(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return source_choices(self.bot.service.sources(), current)

    async def _answer(
        self,
        interaction: discord.Interaction,
        question: str,
        history: list[Turn],
        conversation_id: str,
        private: bool,
        filters: SearchFilters | None = None,
        mode: str | None = None,
    ) -> None:
        """Answer (the interaction is deferred), keep the turn, and send it with its buttons."""
        answer: Answer = await self.bot.run_blocking(
            self.bot.service.answer, question, filters, history, mode
        )
        who = owner(interaction.user)
        self.bot.conversations.append(conversation_id, who, Turn(question, answer.answer))
        message = await send_answer(
            interaction.followup.send,
            question,
            answer,
            self.bot.settings.public_url,
            conversation_id=conversation_id,
            ephemeral=private,
        )
        if message is not None:
            record = AnsweredRecord.of(question, answer, history, filters)
            self.bot.feedback.remember(message.id, record)
        if interaction.channel_id is not None:
            asker = interaction.user.id if private else None
            self.bot.recent.add(interaction.channel_id, answer.citations, asker)

    async def open_follow_up(self, interaction: discord.Interaction, conversation_id: str) -> None:
        """The Follow up button: a form for the next question (no message-content intent)."""

        async def on_question(submitted: discord.Interaction, question: str) -> None:
            await self.follow_up(submitted, conversation_id, question, interaction.message)

        try:
            await interaction.response.send_modal(follow_up_modal(on_question, self.forms))
        except Exception as exc:
            await reply_error(interaction, exc)

    async def follow_up(
        self,
        interaction: discord.Interaction,
        conversation_id: str,
        question: str,
        message: discord.Message | None,
    ) -> None:
        """The asker continues their conversation; anyone else (or the asker after it expired)
        starts one of their own from the answer the button was under. The question's source and
        date filters carry over."""
        if len(question.strip()) < 2:
            await send_ephemeral(interaction, "Type a question to follow up with.")
            return
        self.bot.cooldown.check(interaction.user.id)
        answered = self.bot.feedback.answered(message.id) if message else None
        history = self.bot.conversations.history(conversation_id, owner(interaction.user))
        if history is None:  # the conversation shown above the button, as far as it is kept
            keep = self.bot.conversations.keep_turns
            history = answered.turns()[-keep:] if answered and keep else []
            conversation_id = self.bot.conversations.new_id()
            for turn in history:
                self.bot.conversations.append(conversation_id, owner(interaction.user), turn)
        private = is_ephemeral(message)
        await interaction.response.defer(thinking=True, ephemeral=private)
        filters = answered.search_filters() if answered else None  # a follow-up keeps them
        await self._answer(
            interaction, question.strip(), history, conversation_id, private, filters
        )

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
        """One vote per user and answer (a second press changes it); 👎 asks what was wrong."""
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
            if vote == "up":
                await send_ephemeral(interaction, "Thanks, glad it helped! 👍")
                return

            async def on_reason(submitted: discord.Interaction, reason: str) -> None:
                if reason.strip():
                    self.bot.feedback.add_reason(message.id, submitted.user.id, reason)
                await send_ephemeral(
                    submitted, "Thanks, noted: it will help make answers like this better. 👎"
                )

            await interaction.response.send_modal(reason_modal(on_reason, self.forms))
        except Exception as exc:
            await reply_error(interaction, exc)


def ask_command(cog: AskCog, modes: Sequence[str]) -> app_commands.Command[Any, ..., None]:
    """`/ask`, built when the cog is: discord.py reads the options from the callback, so the
    `mode` option exists only where there are modes to choose from, with those as its choices."""

    async def ask(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 2, QUESTION_CHARS],
        source: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
    ) -> None:
        await cog.ask(interaction, question, source, after, before, private)

    async def ask_in_a_mode(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 2, QUESTION_CHARS],
        source: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
        mode: str | None = None,
    ) -> None:
        await cog.ask(interaction, question, source, after, before, private, mode)

    callback: Callable[..., Coroutine[Any, Any, None]] = ask
    if len(modes) > 1:
        named = ", ".join(modes)
        choose = app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in modes])
        callback = app_commands.describe(mode=f"How to answer ({named})")(choose(ask_in_a_mode))
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name="ask",
        description="Ask the news archive; the answer cites sources.",
        callback=app_commands.describe(**ASK_OPTIONS)(callback),
    )
    command.autocomplete("source")(cog.sources)
    return command
