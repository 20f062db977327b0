"""Errors become short ephemeral messages here; tracebacks go only to the log."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.discord_bot.render import render_answer
from bot.discord_bot.views import answer_view
from bot.errors import NewsbotError
from bot.models import Answer
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.discord")
NO_MENTIONS = discord.AllowedMentions.none()
UNEXPECTED = "Sorry, something went wrong on my side; it has been logged."


def user_message(error: BaseException) -> str:
    """The text a user sees for an error; unexpected errors are logged with their traceback."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, StoreUnavailable):
        log.warning("the vector store is unavailable: %s", error)
        return "The archive is unavailable right now; please try again in a minute."
    if isinstance(error, NewsbotError | app_commands.CheckFailure | app_commands.TransformerError):
        return str(error)[:1900]
    log.error("unexpected error in an interaction", exc_info=error)
    return UNEXPECTED


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """A short private reply, whether or not the interaction was already answered."""
    if not interaction.response.is_done():
        await interaction.response.send_message(
            content, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
        # The public "thinking…" placeholder would turn a follow-up public: remove it first.
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
    await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user briefly what went wrong; never let the reply itself raise."""
    message = user_message(error)
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)


async def send_answer(
    send: Callable[..., Awaitable[Any]],
    question: str,
    answer: Answer,
    public_url: str = "",
    *,
    conversation_id: str | None = None,
    **options: Any,
) -> Any:
    """An answer as one message per embed; the buttons go under the last (the sources), which
    is returned. `options` go to every send (e.g. `ephemeral=True`)."""
    embeds = render_answer(question, answer, public_url)
    last: Any = None
    for number, embed in enumerate(embeds, start=1):
        if number == len(embeds):
            view = answer_view(answer, conversation_id)
            last = await send(embed=embed, view=view, allowed_mentions=NO_MENTIONS, **options)
        else:
            await send(embed=embed, allowed_mentions=NO_MENTIONS, **options)
    return last
