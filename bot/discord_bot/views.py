"""The buttons under an answer; their custom_ids carry all state, so they survive restarts."""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.models import Answer

PASSAGE_PREFIX = "newsbot:passage:"
VOTE_PREFIX = "newsbot:vote:"
FOLLOW_PREFIX = "newsbot:follow:"
CUSTOM_ID_CHARS = 100  # Discord's limit
MAX_PASSAGE_BUTTONS = 20  # 4 rows of 5; the fifth row holds the votes
BUTTONS_PER_ROW = 5
PASSAGE_ID = re.compile(r"newsbot:passage:(?P<n>\d{1,3}):(?P<cid>[^\s]{1,80})$")


class ButtonHandler(Protocol):
    """What the buttons call: implemented by the ask cog."""

    async def show_passage(
        self, interaction: discord.Interaction, citation_id: str, n: int
    ) -> None: ...

    async def record_vote(self, interaction: discord.Interaction, vote: str) -> None: ...

    async def open_follow_up(
        self, interaction: discord.Interaction, conversation_id: str
    ) -> None: ...


def _handler(interaction: discord.Interaction) -> ButtonHandler:
    handler = getattr(interaction.client, "button_handler", None)
    if handler is None:
        raise RuntimeError("this client has no button handler")
    return handler  # type: ignore[no-any-return]


class PassageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=PASSAGE_ID,
):
    """`Passage n`: shows cited passage n (by its chunk id) ephemerally."""

    def __init__(self, n: int, citation_id: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Passage {n}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PASSAGE_PREFIX}{n}:{citation_id}",
            ),
            row=row,
        )
        self.n = n
        self.citation_id = citation_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PassageButton:
        return cls(int(match["n"]), match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).show_passage(interaction, self.citation_id, self.n)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"newsbot:vote:(?P<vote>up|down)$"
):
    """👍 / 👎 under an answer, recorded per user and message."""

    def __init__(self, vote: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{VOTE_PREFIX}{vote}",
            ),
            row=row,
        )
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).record_vote(interaction, self.vote)


class FollowUpButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"newsbot:follow:(?P<conversation>[A-Za-z0-9_-]{1,64})$",
):
    """`Follow up`: a modal for the next question, answered with this conversation's history."""

    def __init__(self, conversation_id: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Follow up",
                emoji="💬",
                style=discord.ButtonStyle.primary,
                custom_id=f"{FOLLOW_PREFIX}{conversation_id}",
            ),
            row=row,
        )
        self.conversation_id = conversation_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FollowUpButton:
        return cls(match["conversation"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).open_follow_up(interaction, self.conversation_id)


def _fits_button(custom_id: str) -> bool:
    return len(custom_id) <= CUSTOM_ID_CHARS and PASSAGE_ID.match(custom_id) is not None


def answer_view(answer: Answer, conversation_id: str | None = None) -> discord.ui.View:
    """Passage buttons for each cited source (up to 20), then the feedback buttons and, when
    the answer belongs to a conversation, Follow up."""
    view = discord.ui.View(timeout=None)
    shown = 0
    for citation in answer.citations:
        if shown == MAX_PASSAGE_BUTTONS:
            break
        if not _fits_button(f"{PASSAGE_PREFIX}{citation.n}:{citation.id}"):
            continue  # an id that cannot travel in a button: /source still finds it
        view.add_item(PassageButton(citation.n, citation.id, row=shown // BUTTONS_PER_ROW))
        shown += 1
    vote_row = min(4, (shown + BUTTONS_PER_ROW - 1) // BUTTONS_PER_ROW)
    view.add_item(VoteButton("up", row=vote_row))
    view.add_item(VoteButton("down", row=vote_row))
    if conversation_id is not None:
        view.add_item(FollowUpButton(conversation_id, row=vote_row))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    PassageButton,
    VoteButton,
    FollowUpButton,
)
