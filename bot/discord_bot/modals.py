"""The two forms the bot opens: the next question of a conversation, and why an answer missed."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.discord_bot.feedback import REASON_CHARS
from bot.discord_bot.replies import reply_error

QUESTION_CHARS = 1000
MODAL_TIMEOUT_S = 900.0  # an unsent form is forgotten after this
FORM_PREFIX = "newsbot:form:"
FORM_EXPIRED = (
    "This form has expired (it was open too long, or I restarted): press the button again. ⏳"
)

Submit = Callable[[discord.Interaction, str], Awaitable[None]]


class OpenForms:
    """The forms this process opened and can still answer: discord.py drops the submit of any
    other (sent before a restart, or after the timeout) without a reply, so the user is told."""

    def __init__(self, timeout_s: float = MODAL_TIMEOUT_S + 5) -> None:
        # A little over the modal's own timeout, whose clock starts once the form is sent: a
        # form is never answered twice (as expired and by its modal); at worst, a few seconds,
        # by neither.
        self._opened: dict[str, float] = {}
        self._timeout_s = timeout_s

    def new_id(self) -> str:
        now = time.monotonic()
        self._opened = {k: t for k, t in self._opened.items() if now - t < self._timeout_s}
        custom_id = f"{FORM_PREFIX}{secrets.token_hex(8)}"
        self._opened[custom_id] = now
        return custom_id

    def expired(self, interaction: discord.Interaction) -> bool:
        """A submitted form of ours that no open form will answer."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return False
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        opened = self._opened.get(custom_id)
        return custom_id.startswith(FORM_PREFIX) and (
            opened is None or time.monotonic() - opened >= self._timeout_s
        )


class TextModal(discord.ui.Modal):
    """One labelled text box; what is typed goes to `on_text` (errors become a short reply)."""

    def __init__(
        self,
        title: str,
        label: str,
        on_text: Submit,
        *,
        custom_id: str,
        placeholder: str,
        required: bool,
        min_length: int,
        max_length: int,
    ) -> None:
        super().__init__(title=title, timeout=MODAL_TIMEOUT_S, custom_id=custom_id)
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


def follow_up_modal(on_question: Submit, forms: OpenForms) -> TextModal:
    return TextModal(
        "Follow up",
        "Your next question",
        on_question,
        custom_id=forms.new_id(),
        placeholder="e.g. Who else took part? (it follows on from the answer above)",
        required=True,
        min_length=2,
        max_length=QUESTION_CHARS,
    )


def reason_modal(on_reason: Submit, forms: OpenForms) -> TextModal:
    return TextModal(
        "What was wrong with this answer?",
        "What was wrong (optional)",
        on_reason,
        custom_id=forms.new_id(),
        placeholder="e.g. wrong date, wrong source, it should have said it didn't know…",
        required=False,
        min_length=0,
        max_length=REASON_CHARS,
    )
