"""The two forms the bot opens: the next question of a conversation, and why an answer missed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.discord_bot.feedback import REASON_CHARS
from bot.discord_bot.replies import reply_error

QUESTION_CHARS = 1000
MODAL_TIMEOUT_S = 900.0  # an unsent form is forgotten after this

Submit = Callable[[discord.Interaction, str], Awaitable[None]]


class TextModal(discord.ui.Modal):
    """One labelled text box; what is typed goes to `on_text` (errors become a short reply)."""

    def __init__(
        self,
        title: str,
        label: str,
        on_text: Submit,
        *,
        placeholder: str,
        required: bool,
        min_length: int,
        max_length: int,
    ) -> None:
        super().__init__(title=title, timeout=MODAL_TIMEOUT_S)
        self.text = discord.ui.TextInput[TextModal](
            style=discord.TextStyle.paragraph,
            placeholder=placeholder,
            required=required,
            min_length=min_length,
            max_length=max_length,
        )
        self.add_item(discord.ui.Label(text=label, component=self.text))
        self._on_text = on_text

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_text(interaction, self.text.value)

    async def on_error(  # type: ignore[override]  # a Modal's on_error takes no item
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await reply_error(interaction, error)


def follow_up_modal(on_question: Submit) -> TextModal:
    return TextModal(
        "Follow up",
        "Your next question",
        on_question,
        placeholder="e.g. Who else took part? (it follows on from the answer above)",
        required=True,
        min_length=2,
        max_length=QUESTION_CHARS,
    )


def reason_modal(on_reason: Submit) -> TextModal:
    return TextModal(
        "What was wrong with this answer?",
        "What was wrong (optional)",
        on_reason,
        placeholder="e.g. wrong date, wrong source, it should have said it didn't know…",
        required=False,
        min_length=0,
        max_length=REASON_CHARS,
    )
