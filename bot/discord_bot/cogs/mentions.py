"""Mention mode: @newsbot in a channel answers in a new thread; replies there are follow-ups."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_bot.feedback import AnsweredRecord
from bot.discord_bot.guards import SlowDown
from bot.discord_bot.render import truncate, unescape
from bot.discord_bot.replies import NO_MENTIONS, send_answer, user_message
from bot.models import Turn

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot

log = logging.getLogger("newsbot.discord")
HISTORY_MESSAGES = 40  # thread messages read back for a follow-up
THREAD_NAME_CHARS = 100  # Discord's limit
HINT = "Ask me a question about the news archive, e.g. “What was agreed at the talks?”"


def strip_mentions(text: str, user_id: int) -> str:
    """The question without the bot's own mention."""
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


_QUESTION_START = re.compile(
    r"(?i)^(who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|tell|explain|describe|list|show|find|give|summari[sz]e|"
    r"and|but|what's|who's|where's|how's)\b(?!['’]t\b|n['’]t\b)"  # "can't wait" asks nothing
)
_ONE_WORD_QUESTION = re.compile(r"(?i)^(who|whom|whose|what|when|where|which|why|how)\W*\?")


def addressed(text: str, mentioned: bool) -> bool:
    """In a bot thread: a mention, or something asked ("thanks", "ok" and emoji are not)."""
    if mentioned or _ONE_WORD_QUESTION.match(text.strip()):  # "Why?", "When?"
        return True
    words = re.findall(r"[^\W_]+", text)
    if len(words) < 2:
        return False
    return "?" in text or _QUESTION_START.match(text.strip()) is not None


def turns_from_thread(messages: Sequence[tuple[bool, str]], keep: int) -> list[Turn]:
    """(from the bot?, text) in order → the last `keep` question/answer turns they make."""
    turns: list[Turn] = []
    question: str | None = None
    answer: list[str] = []
    for from_bot, text in messages:
        if not text:
            continue
        if from_bot:
            if question is not None:
                answer.append(text)
            continue
        if question is not None and answer:
            turns.append(Turn(question, "\n".join(answer)))
        question, answer = text, []
    if question is not None and answer:
        turns.append(Turn(question, "\n".join(answer)))
    return turns[-keep:] if keep > 0 else []


class MentionCog(commands.Cog, name="Mentions"):
    """Needs the message-content intent (NEWSBOT_DISCORD_MESSAGE_CONTENT=true)."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        channel = message.channel
        owned_thread = isinstance(channel, discord.Thread) and channel.owner_id == me.id
        if not owned_thread and me not in message.mentions:
            return
        parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
        if not self.bot.allowlist.allows(message.guild.id, channel.id, parent_id):
            return
        question = strip_mentions(message.content, me.id)
        if owned_thread and not addressed(question, me in message.mentions):
            return  # conversation between people, or "thanks"
        try:
            if isinstance(channel, discord.Thread):
                target: discord.abc.Messageable = channel
                history = await self.thread_history(channel, message) if owned_thread else []
            else:
                name = truncate(" ".join(question.split()) or "question", THREAD_NAME_CHARS)
                target = await message.create_thread(name=name, auto_archive_duration=1440)
                history = []
            await self.answer(target, message.author.id, question, history)
        except discord.HTTPException:
            log.exception("could not answer message %s in channel %s", message.id, channel.id)

    async def answer(
        self, target: discord.abc.Messageable, user_id: int, question: str, history: list[Turn]
    ) -> None:
        if not question:
            await target.send(HINT, allowed_mentions=NO_MENTIONS)
            return
        wait = self.bot.cooldown.retry_after(user_id)
        if wait > 0:
            await target.send(str(SlowDown(wait)), allowed_mentions=NO_MENTIONS, delete_after=15)
            return
        try:
            async with target.typing():
                answer = await self.bot.run_blocking(
                    self.bot.service.answer, question, None, history
                )
        except Exception as exc:
            await target.send(user_message(exc), allowed_mentions=NO_MENTIONS)
            return
        sent = await send_answer(target.send, question, answer, self.bot.settings.public_url)
        self.bot.feedback.remember(sent.id, AnsweredRecord.of(question, answer, history))
        if isinstance(target, discord.abc.GuildChannel | discord.Thread):
            self.bot.recent.add(target.id, answer.citations, None)

    async def thread_history(self, thread: discord.Thread, before: discord.Message) -> list[Turn]:
        """The thread's earlier questions and answers, starting with the one that opened it."""
        assert self.bot.user is not None
        me = self.bot.user.id
        items: list[tuple[bool, str]] = []
        starter = await self._starter(thread)
        if starter is not None:
            items.append((False, strip_mentions(starter.content, me)))
        async for message in thread.history(
            limit=HISTORY_MESSAGES, before=before, oldest_first=True
        ):
            if message.author.id == me:
                text = "\n".join(unescape(e.description or "") for e in message.embeds)
                items.append((True, text.strip()))
            elif not message.author.bot:
                items.append((False, strip_mentions(message.content, me)))
        return turns_from_thread(items, self.bot.settings.conversation_turns)

    async def _starter(self, thread: discord.Thread) -> discord.Message | None:
        """The channel message the thread was opened from (same id as the thread)."""
        if thread.starter_message is not None:
            return thread.starter_message
        parent = thread.parent
        if not isinstance(parent, discord.TextChannel):
            return None
        try:
            return await parent.fetch_message(thread.id)
        except discord.HTTPException:
            return None
