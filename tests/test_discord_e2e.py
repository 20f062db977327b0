"""End to end: the real discord.py client against a local Discord that speaks the v10 protocol.

The bot logs in over REST, syncs its commands, connects to the gateway (HELLO, IDENTIFY,
READY, GUILD_CREATE), and answers INTERACTION_CREATE / MESSAGE_CREATE events with the real
AnswerService over the seed articles. The tests assert what went back over the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands

from bot.container import Archive, build_service
from bot.discord_bot.client import NewsBot
from bot.discord_bot.feedback import FeedbackStore
from tests.conftest import make_settings
from tests.fake_discord import FakeDiscord, Recorded

QUESTION = (
    "On which date will negotiations between the US and Russia on Ukraine take place? "
    "@everyone <@&1234>"
)


def assert_pings_no_one(body: dict[str, Any]) -> None:
    """`allowed_mentions` that let nothing ping: no parsed kinds, no listed users or roles."""
    allowed = body["allowed_mentions"]
    assert allowed["parse"] == []
    assert not allowed.get("users") and not allowed.get("roles")
    assert not allowed.get("replied_user")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    with pytest.MonkeyPatch.context() as patch:
        # discord.py's two addresses: the REST base, and the gateway that a non-sharded client
        # dials directly (2.7.1 asks GET /gateway/bot only when auto-sharding; the fake has it).
        patch.setattr(discord.http.Route, "BASE", fake.api_base)
        patch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
        )
        yield fake
    await fake.stop()


async def start_bot(
    fake: FakeDiscord, archive: Archive, data_dir: Path, **overrides: Any
) -> tuple[NewsBot, asyncio.Task[None]]:
    settings = make_settings(
        data_dir, discord_guild_ids=[int(fake.guild_id)], discord_token=fake.token, **overrides
    )
    service = build_service(settings, archive=archive)
    bot = NewsBot(
        service,
        settings,
        feedback=FeedbackStore(settings.discord_feedback_path),
        guild_ready_timeout=0.1,  # the fake sends its one guild at once
    )
    task = asyncio.create_task(bot.start(fake.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        await stop_bot(bot, task)
        raise AssertionError(
            f"the bot did not get ready: {task.exception() if task in done else 'timeout'}"
        )
    return bot, task


async def stop_bot(bot: NewsBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path) -> AsyncIterator[NewsBot]:
    bot, task = await start_bot(fake, seeds_archive, tmp_path / "data")
    yield bot
    await stop_bot(bot, task)


def is_callback(r: Recorded) -> bool:
    return r.method == "POST" and r.path.endswith("/callback")


def is_followup(r: Recorded) -> bool:
    return r.method == "POST" and r.path.startswith("/webhooks/")


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


async def test_login_syncs_commands_to_the_guild_and_never_logs_the_token(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        bot, task = await start_bot(fake, seeds_archive, tmp_path / "data")
        await stop_bot(bot, task)
    assert "logged in" in caplog.text or "synced" in caplog.text
    assert fake.token not in caplog.text
    sync = next(r for r in fake.requests if r.method == "PUT")
    assert sync.path == f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    assert {c["name"] for c in sync.body} == {"ask", "source", "search", "about", "help"}
    ask = next(c for c in sync.body if c["name"] == "ask")
    assert ask["options"][0]["name"] == "question" and ask["options"][0]["required"]
    options = {o["name"]: o for o in ask["options"]}
    assert set(options) == {"question", "source", "after", "before", "private"}  # no LLM: no mode
    assert options["source"]["autocomplete"] and options["private"]["type"] == 5
    search = next(c for c in sync.body if c["name"] == "search")
    count = next(o for o in search["options"] if o["name"] == "count")
    assert (count["type"], count["min_value"], count["max_value"]) == (4, 1, 10)
    source = next(c for c in sync.body if c["name"] == "source")
    assert source["options"][0]["autocomplete"]
    identify = next(op for op in fake.gateway_ops if op.op == 2)
    assert identify.d["token"] == fake.token
    assert identify.d["intents"] & (1 << 15) == 0  # no message-content intent by default
    assert fake.gateway_query["v"] == "10" and fake.gateway_query["encoding"] == "json"
    # discord.py asks for transport compression; the fake answered in that format.
    wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE  # type: ignore[attr-defined]
    assert fake.gateway_query["compress"] == wanted == "zlib-stream"
    assert fake.requests[0].path == "/users/@me"  # login, then the application, then the sync


async def test_ask_defers_then_answers_with_citations_and_buttons(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("ask", question=QUESTION))

    deferral = await fake.wait_for(is_callback, after=mark)
    assert deferral.body == {"type": 5}  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "thinking…"

    followup = await fake.wait_for(is_followup, after=mark)
    assert followup.path == f"/webhooks/{fake.application_id}/{followup.path.split('/')[3]}"
    body = followup.body
    assert_pings_no_one(body)
    (embed,) = body["embeds"]
    assert "[1]" in embed["description"]
    assert "February" in embed["description"]
    assert "@everyone" not in embed["title"]  # neutralised: a zero-width space breaks it
    assert "<@&1234>" not in embed["title"]
    assert embed["fields"] and embed["fields"][0]["name"].startswith("[1]")
    assert "/source id:" in embed["footer"]["text"]
    ids = custom_ids(body)
    passages = [i for i in ids if i.startswith("newsbot:passage:")]
    assert passages and passages[0].startswith("newsbot:passage:1:")
    assert ids[-3:-1] == ["newsbot:vote:up", "newsbot:vote:down"]
    assert ids[-1].startswith("newsbot:follow:")
    cited_id = passages[0].split(":", 3)[3]
    assert cited_id in embed["footer"]["text"]

    # The "Passage 1" button: the exact quote, privately (CHANNEL_MESSAGE_WITH_SOURCE, ephemeral).
    message = fake.messages[fake.channel_id][-1]
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.button_interaction(message, passages[0]))
    shown = await fake.wait_for(is_callback, after=mark)
    assert shown.body["type"] == 4
    assert shown.body["data"]["flags"] == 64
    assert_pings_no_one(shown.body["data"])
    quote = bot.service.citation(cited_id)
    assert quote is not None
    passage_embed = shown.body["data"]["embeds"][0]
    first_words = " ".join(quote.quote.split()[:6])
    assert first_words in passage_embed["description"].replace("\\", "")
    assert cited_id in passage_embed["footer"]["text"]


async def test_buttons_work_after_a_restart_and_votes_are_counted(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    bot, task = await start_bot(fake, seeds_archive, data_dir)
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("ask", question=QUESTION))
    followup = await fake.wait_for(is_followup, after=mark)
    message = fake.messages[fake.channel_id][-1]
    assert message["components"] == followup.body["components"]
    await stop_bot(bot, task)

    fake.identified.clear()
    bot, task = await start_bot(fake, seeds_archive, data_dir)  # nothing kept in memory
    try:
        passage_id = next(i for i in custom_ids(followup.body) if "passage" in i)
        mark = len(fake.requests)
        await fake.dispatch("INTERACTION_CREATE", fake.button_interaction(message, passage_id))
        shown = await fake.wait_for(is_callback, after=mark)
        assert shown.body["type"] == 4 and shown.body["data"]["flags"] == 64

        for vote in ("up", "down", "up"):  # the same user changing their mind counts once
            mark = len(fake.requests)
            interaction = fake.button_interaction(message, f"newsbot:vote:{vote}")
            await fake.dispatch("INTERACTION_CREATE", interaction)
            thanks = await fake.wait_for(is_callback, after=mark)
            if vote == "up":
                assert thanks.body["data"]["flags"] == 64
            else:  # 👎 asks what was wrong; the vote already counts if the form is closed
                assert thanks.body["type"] == 9
        assert bot.feedback.counts() == {"up": 1, "down": 0}

        mark = len(fake.requests)
        await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("about"))
        about = await fake.wait_for(is_callback, after=mark)
        fields = {f["name"]: f["value"] for f in about.body["data"]["embeds"][0]["fields"]}
        assert fields["articles"] == "4"
        assert fields["feedback"] == "👍 1 · 👎 0"
    finally:
        await stop_bot(bot, task)


async def test_unanswerable_question_gets_an_honest_decline(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    mark = len(fake.requests)
    question = "What is the recipe for a Victoria sponge cake?"
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("ask", question=question))
    followup = await fake.wait_for(is_followup, after=mark)
    (embed,) = followup.body["embeds"]
    assert embed["description"].strip()
    assert "fields" not in embed or not embed["fields"]
    assert not [i for i in custom_ids(followup.body) if "passage" in i]


async def test_source_shows_a_passage_by_id_and_unknown_ids_get_a_short_ephemeral_reply(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    chunk = bot.service.search("Saudi Arabia", top_k=1)[0].chunk
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("source", id=chunk.id))
    reply = await fake.wait_for(is_callback, after=mark)
    assert reply.body["type"] == 4 and not reply.body["data"].get("flags")  # public
    assert_pings_no_one(reply.body["data"])
    assert reply.body["data"]["embeds"][0]["footer"]["text"].endswith(chunk.id)

    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("source", id="nope:1-2"))
    reply = await fake.wait_for(is_callback, after=mark)
    assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
    assert "No passage has the id" in reply.body["data"]["content"]


async def test_cooldown_answers_with_a_friendly_ephemeral_message(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    bot, task = await start_bot(
        fake, seeds_archive, tmp_path / "data", discord_cooldown_questions=1
    )
    try:
        for expected in ("deferred", "cooldown"):
            mark = len(fake.requests)
            await fake.dispatch(
                "INTERACTION_CREATE", fake.command_interaction("search", query="Saudi Arabia")
            )
            reply = await fake.wait_for(is_callback, after=mark)
            if expected == "deferred":
                assert reply.body == {"type": 5}
                found = await fake.wait_for(is_followup, after=mark)
                assert "Saudi" in str(found.body["embeds"][0])
            else:
                assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
                assert "try again in" in reply.body["data"]["content"]
    finally:
        await stop_bot(bot, task)


async def test_mention_answers_in_a_thread_and_follow_ups_carry_history(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    bot, task = await start_bot(
        fake, seeds_archive, tmp_path / "data", discord_message_content=True
    )
    try:
        identify = next(op for op in fake.gateway_ops if op.op == 2)
        assert identify.d["intents"] & (1 << 15)  # MESSAGE_CONTENT requested
        mark = len(fake.requests)
        text = f"<@{fake.bot_id}> In which country will the February negotiations take place?"
        opener = fake.user_message(fake.channel_id, text, mentions_bot=True)
        await fake.dispatch("MESSAGE_CREATE", opener)
        thread = await fake.wait_for(lambda r: r.path.endswith("/threads"), after=mark)
        assert thread.path == f"/channels/{fake.channel_id}/messages/{opener['id']}/threads"
        thread_id = opener["id"]
        answer = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"/channels/{thread_id}/messages",
            after=mark,
        )
        assert_pings_no_one(answer.body)
        assert "Saudi Arabia" in answer.body["embeds"][0]["description"]

        mark = len(fake.requests)
        follow = fake.user_message(thread_id, "Who is representing the US there?", False)
        await fake.dispatch("MESSAGE_CREATE", follow)
        reply = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"/channels/{thread_id}/messages",
            after=mark,
        )
        history_read = [r for r in fake.requests[mark:] if r.method == "GET"]
        assert any(r.path == f"/channels/{thread_id}/messages" for r in history_read)
        assert "Rubio" in reply.body["embeds"][0]["description"]

        # Talk that is not addressed to the bot gets no answer; the next question does.
        mark = len(fake.requests)
        for said in ("thanks!", "ok", "👍👍"):
            await fake.dispatch("MESSAGE_CREATE", fake.user_message(thread_id, said, False))
        question = fake.user_message(thread_id, "And who attends for Russia?", False)
        await fake.dispatch("MESSAGE_CREATE", question)
        posted = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"/channels/{thread_id}/messages",
            after=mark,
        )
        assert posted.body["embeds"][0]["title"] == "And who attends for Russia?"
        answers = [r for r in fake.requests[mark:] if r.path == f"/channels/{thread_id}/messages"]
        assert [r.method for r in answers].count("POST") == 1
    finally:
        await stop_bot(bot, task)


async def test_a_channel_outside_the_allowlist_gets_an_ephemeral_refusal(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    bot, task = await start_bot(
        fake, seeds_archive, tmp_path / "data", discord_channel_ids=[int(fake.channel_id) + 1]
    )
    try:
        mark = len(fake.requests)
        await fake.dispatch(
            "INTERACTION_CREATE", fake.command_interaction("ask", question=QUESTION)
        )
        reply = await fake.wait_for(is_callback, after=mark)
        assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
        assert "not enabled in this channel" in reply.body["data"]["content"]
        await asyncio.sleep(0.2)
        assert not [r for r in fake.requests[mark:] if is_followup(r)]  # nothing answered
        # Typing an option there is offered nothing (autocomplete takes choices, not messages).
        mark = len(fake.requests)
        typing = fake.autocomplete_interaction("ask", "source", source="se")
        await fake.dispatch("INTERACTION_CREATE", typing)
        offered = await fake.wait_for(is_callback, after=mark)
        assert offered.body == {"type": 8, "data": {"choices": []}}
    finally:
        await stop_bot(bot, task)


async def test_the_mode_option_offers_exactly_the_configured_modes(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    # An LLM address is configured (never called here): the choices come from service.modes.
    bot, task = await start_bot(
        fake, seeds_archive, tmp_path / "data", llm_url="http://127.0.0.1:9/v1", llm_model="m"
    )
    try:
        ask = fake.commands["ask"]
        (mode,) = [o for o in ask["options"] if o["name"] == "mode"]
        assert [c["value"] for c in mode["choices"]] == bot.service.modes == ["extractive", "llm"]
        assert "(extractive, llm)" in mode["description"]  # built from the configured modes
        assert bot.tree.get_command("ask") is not None
        await bot.remove_cog("Ask")  # the command built at set-up goes with its cog
        assert bot.tree.get_command("ask") is None
    finally:
        await stop_bot(bot, task)


async def test_a_failure_after_the_deferral_replies_privately_and_logs_the_traceback(
    fake: FakeDiscord, bot: NewsBot, caplog: pytest.LogCaptureFixture
) -> None:
    @app_commands.command(name="boom", description="fails after deferring")
    async def boom(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        raise RuntimeError("kaboom at /srv/secret")

    bot.tree.add_command(boom, guild=discord.Object(int(fake.guild_id)))
    fake.commands["boom"] = {"id": "1"}  # as if synced
    mark = len(fake.requests)
    with caplog.at_level(logging.ERROR, logger="newsbot.discord"):
        await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("boom"))
        reply = await fake.wait_for(is_followup, after=mark)
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.requests[mark:]]
    # thinking…, then the public placeholder is deleted so the error can be ephemeral
    assert methods[:3] == [
        ("POST", "callback"),
        ("DELETE", "@original"),
        ("POST", reply.path.rsplit("/", 1)[-1]),
    ]
    assert reply.body["flags"] == 64
    assert "kaboom" not in reply.body["content"] and "went wrong" in reply.body["content"]
    assert "kaboom at /srv/secret" in caplog.text and "Traceback" in caplog.text


# -- issue 15: follow-ups, options, autocomplete, feedback that teaches, /help --


async def ask_and_wait(fake: FakeDiscord, question: str, **options: Any) -> dict[str, Any]:
    """Ask through /ask; the message carrying the answer's buttons, as Discord stores it."""
    mark = len(fake.requests)
    interaction = fake.command_interaction("ask", question=question, **options)
    await fake.dispatch("INTERACTION_CREATE", interaction)
    await fake.wait_for(is_followup, after=mark)
    return fake.messages[fake.channel_id][-1]


async def press(
    fake: FakeDiscord, message: dict[str, Any], custom_id: str, user: str | None = None
) -> dict[str, Any]:
    """Press a button under `message` (as `user`, else the fake's own user); the reply to it,
    e.g. a form to fill in (type 9, its modal under "data")."""
    interaction = fake.button_interaction(message, custom_id)
    if user is not None:
        interaction["member"]["user"] = fake.user(user, name="other")
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", interaction)
    return (await fake.wait_for(is_callback, after=mark)).body


async def submit(
    fake: FakeDiscord,
    modal: dict[str, Any],
    text: str,
    message: dict[str, Any],
    user: str | None = None,
) -> int:
    """Send a form back with `text` typed in; where the requests stood before, to wait for the
    replies after."""
    interaction = fake.modal_submit_interaction(modal, [text], message)
    if user is not None:
        interaction["member"]["user"] = fake.user(user, name="other")
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", interaction)
    return mark


async def test_follow_up_button_opens_a_modal_and_answers_with_the_conversation(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    message = await ask_and_wait(fake, "In which country will the February negotiations happen?")
    (follow,) = [i for i in custom_ids(message) if i.startswith("newsbot:follow:")]
    conversation_id = follow.removeprefix("newsbot:follow:")
    owner = f"discord:{fake.user_id}"
    assert [t.question for t in bot.conversations.history(conversation_id, owner) or []] == [
        "In which country will the February negotiations happen?"
    ]

    opened = await press(fake, message, follow)
    assert opened["type"] == 9  # MODAL
    modal = opened["data"]
    assert modal["title"] == "Follow up" and modal["components"][0]["type"] == 18

    mark = await submit(fake, modal, "Who is representing the US there?", message)
    deferral = await fake.wait_for(is_callback, after=mark)
    assert deferral.body == {"type": 5}  # public, as the answer it follows
    answer = await fake.wait_for(is_followup, after=mark)
    assert_pings_no_one(answer.body)
    (embed,) = answer.body["embeds"]
    assert embed["title"] == "Who is representing the US there?"
    assert "Rubio" in embed["description"]  # "there" read as Saudi Arabia, from the history
    assert f"newsbot:follow:{conversation_id}" in custom_ids(answer.body)
    turns = bot.conversations.history(conversation_id, owner) or []
    assert [t.question for t in turns][-1] == "Who is representing the US there?"
    assert len(turns) == 2


async def test_a_follow_up_on_someone_elses_answer_starts_their_own_conversation(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    message = await ask_and_wait(fake, "In which country will the February negotiations happen?")
    (follow,) = [i for i in custom_ids(message) if i.startswith("newsbot:follow:")]
    asker_conversation = follow.removeprefix("newsbot:follow:")
    other = "930000000000000002"
    modal = (await press(fake, message, follow, user=other))["data"]
    mark = await submit(fake, modal, "Who is representing the US there?", message, user=other)
    answer = await fake.wait_for(is_followup, after=mark)
    assert "Rubio" in answer.body["embeds"][0]["description"]  # seeded from the answer shown
    (theirs,) = [i for i in custom_ids(answer.body) if i.startswith("newsbot:follow:")]
    assert theirs != follow
    # The asker's own conversation is untouched, and the other user cannot read it.
    assert len(bot.conversations.history(asker_conversation, f"discord:{fake.user_id}") or []) == 1
    assert bot.conversations.history(asker_conversation, f"discord:{other}") is None

    # Following up on a follow-up, they take the whole conversation shown, not its last turn.
    message = fake.messages[fake.channel_id][-1]
    (follow,) = [i for i in custom_ids(message) if i.startswith("newsbot:follow:")]
    # the asker's user this time: not the owner
    modal = (await press(fake, message, follow))["data"]
    mark = await submit(fake, modal, "And who attends for Russia?", message)
    answer = await fake.wait_for(is_followup, after=mark)
    (third,) = [i for i in custom_ids(answer.body) if i.startswith("newsbot:follow:")]
    asker = f"discord:{fake.user_id}"
    turns = bot.conversations.history(third.removeprefix("newsbot:follow:"), asker)
    assert [t.question for t in turns or []] == [
        "In which country will the February negotiations happen?",
        "Who is representing the US there?",
        "And who attends for Russia?",
    ]


async def test_a_private_answer_is_ephemeral_and_so_is_its_follow_up(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    mark = len(fake.requests)
    interaction = fake.command_interaction("ask", question=QUESTION, private=True)
    await fake.dispatch("INTERACTION_CREATE", interaction)
    deferral = await fake.wait_for(is_callback, after=mark)
    assert deferral.body == {"type": 5, "data": {"flags": 64}}
    answer = await fake.wait_for(is_followup, after=mark)
    assert answer.body["flags"] == 64 and "[1]" in answer.body["embeds"][0]["description"]

    message = fake.messages[fake.channel_id][-1]
    follow = next(i for i in custom_ids(message) if i.startswith("newsbot:follow:"))
    modal = (await press(fake, message, follow))["data"]
    mark = await submit(fake, modal, "Where will they meet?", message)
    assert (await fake.wait_for(is_callback, after=mark)).body == {"type": 5, "data": {"flags": 64}}
    assert (await fake.wait_for(is_followup, after=mark)).body["flags"] == 64

    # /source on a citation only this user was shown shows it to them alone, picked or pasted.
    cited = next(i for i in custom_ids(message) if i.startswith("newsbot:passage:"))
    mark = len(fake.requests)
    source = fake.command_interaction("source", id=cited.split(":", 3)[3])
    await fake.dispatch("INTERACTION_CREATE", source)
    shown = await fake.wait_for(is_callback, after=mark)
    assert shown.body["type"] == 4 and shown.body["data"]["flags"] == 64


async def test_bad_options_get_a_short_ephemeral_error_before_any_work(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    cases = [
        ("ask", {"question": QUESTION, "after": "last March"}, "`after` must be a date"),
        ("search", {"query": "talks", "before": "2025-13-01"}, "`before` must be a date"),
        ("ask", {"question": QUESTION, "source": "nowhere"}, "no source called"),
        ("search", {"query": "talks", "after": "2025-02-01", "before": "2025-01-01"}, "on or"),
        ("ask", {"question": "   "}, "`question` needs at least two characters"),
        ("search", {"query": " \t "}, "`query` needs at least two characters"),
    ]
    for command, options, said in cases:
        mark = len(fake.requests)
        await fake.dispatch("INTERACTION_CREATE", fake.command_interaction(command, **options))
        reply = await fake.wait_for(is_callback, after=mark)
        assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64, reply.body
        assert said in reply.body["data"]["content"]


async def test_search_takes_a_count_a_source_and_dates(fake: FakeDiscord, bot: NewsBot) -> None:
    (source,) = [s.name for s in bot.service.sources()]
    for count in (1, 3):
        mark = len(fake.requests)
        interaction = fake.command_interaction(
            "search", query="negotiations Saudi Arabia", count=count, source=source
        )
        await fake.dispatch("INTERACTION_CREATE", interaction)
        found = await fake.wait_for(is_followup, after=mark)
        assert len(found.body["embeds"][0]["fields"]) == count
    # The seed articles are undated, so no article was published after any date.
    mark = len(fake.requests)
    interaction = fake.command_interaction("search", query="Saudi Arabia", after="2000-01-01")
    await fake.dispatch("INTERACTION_CREATE", interaction)
    found = await fake.wait_for(is_followup, after=mark)
    assert found.body["embeds"][0]["description"] == "No passages found."


async def test_autocomplete_offers_the_archives_sources_and_this_channels_citations(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    names = {s.name for s in bot.service.sources()}
    for command in ("ask", "search"):
        mark = len(fake.requests)
        typing = fake.autocomplete_interaction(command, "source", source="se")
        await fake.dispatch("INTERACTION_CREATE", typing)
        offered = await fake.wait_for(is_callback, after=mark)
        assert offered.body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
        assert {c["value"] for c in offered.body["data"]["choices"]} == names
    mark = len(fake.requests)
    await fake.dispatch(
        "INTERACTION_CREATE", fake.autocomplete_interaction("ask", "source", source="zz")
    )
    assert (await fake.wait_for(is_callback, after=mark)).body["data"]["choices"] == []

    # Nothing cited here yet; then an answer's citations are offered as "[n] headline".
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.autocomplete_interaction("source", "id", id=""))
    assert (await fake.wait_for(is_callback, after=mark)).body["data"]["choices"] == []
    message = await ask_and_wait(fake, QUESTION)
    cited = [i.split(":", 3)[3] for i in custom_ids(message) if i.startswith("newsbot:passage:")]
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.autocomplete_interaction("source", "id", id=""))
    choices = (await fake.wait_for(is_callback, after=mark)).body["data"]["choices"]
    assert [c["value"] for c in choices] == cited
    first = bot.service.citation(cited[0])
    assert first is not None and choices[0]["name"].startswith(f"[1] {first.title[:40]}")

    # Picking a choice sends its value: the passage itself.
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("source", id=cited[0]))
    shown = await fake.wait_for(is_callback, after=mark)
    assert shown.body["data"]["embeds"][0]["footer"]["text"].endswith(cited[0])


async def test_thumbs_down_asks_why_and_the_export_loads_as_eval_questions(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "In which country will the February negotiations take place?"
    message = await ask_and_wait(fake, question)
    cited = [i.split(":", 3)[3] for i in custom_ids(message) if i.startswith("newsbot:passage:")]

    opened = await press(fake, message, "newsbot:vote:down")
    assert opened["type"] == 9
    reason = "It should say which city, not only the country."
    mark = await submit(fake, opened["data"], reason, message)
    thanks = await fake.wait_for(is_callback, after=mark)
    assert thanks.body["type"] == 4 and thanks.body["data"]["flags"] == 64
    assert bot.feedback.counts() == {"up": 0, "down": 1}

    # An upvote on another answer is left out of the default (down) export.
    upvoted = "Who will represent the United States at the February 18 talks in Saudi Arabia?"
    other = await ask_and_wait(fake, upvoted)
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.button_interaction(other, "newsbot:vote:up"))
    await fake.wait_for(is_callback, after=mark)

    from typer.testing import CliRunner

    from bot.cli import app
    from bot.evaluation import load_questions

    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(bot.settings.data_dir))
    exported = bot.settings.data_dir.parent / "feedback.jsonl"
    result = CliRunner().invoke(app, ["feedback", "export", "--output", str(exported)])
    assert result.exit_code == 0, result.output
    assert "1 to label: fill in answer_any or sources" in result.stderr  # the 👎 one
    (labelled,) = load_questions(exported)
    assert labelled.q == question and labelled.answerable
    (line,) = [json.loads(x) for x in exported.read_text().splitlines()]
    assert line["feedback"]["reason"] == reason and line["feedback"]["vote"] == "down"
    assert line["feedback"]["citation_ids"] == cited
    assert "Saudi Arabia" in line["feedback"]["answer"]

    result = CliRunner().invoke(app, ["feedback", "export", "--votes", "all"])
    assert result.exit_code == 0, result.output
    assert "1 to label" in result.stderr  # the 👍 is labelled by what it cited
    both = load_questions_from_text(result.stdout, bot.settings.data_dir.parent / "all.jsonl")
    assert [q.q for q in both] == [question, upvoted]
    assert both[1].sources  # an upvote labels the cited articles as the sources


def load_questions_from_text(text: str, path: Path) -> list[Any]:
    from bot.evaluation import load_questions

    path.write_text(text)
    return load_questions(path)


async def test_help_is_private_and_describes_commands_archive_and_limits(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    mark = len(fake.requests)
    await fake.dispatch("INTERACTION_CREATE", fake.command_interaction("help"))
    reply = await fake.wait_for(is_callback, after=mark)
    assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
    (embed,) = reply.body["data"]["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert set(fields) == {"Commands", "Examples", "The archive", "Limits"}
    for command in ("/ask", "/search", "/source", "/about", "Follow up"):
        assert command in fields["Commands"]
    assert "`mode`" not in fields["Commands"]  # no LLM configured
    articles = bot.service.stats()["articles"]
    assert fields["The archive"].startswith(f"{articles} articles from 1 sources")
    assert "seeds (4)" in fields["The archive"]
    assert f"{bot.settings.discord_cooldown_questions} questions per" in fields["Limits"]


async def test_a_follow_up_keeps_the_source_and_date_filters_of_its_question(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    # The seed articles are undated: nothing matches a date filter, and a follow-up says so too.
    message = await ask_and_wait(fake, QUESTION, after="2000-01-01")
    assert "No articles match after 2000-01-01" in message["embeds"][0]["description"]
    follow = next(i for i in custom_ids(message) if i.startswith("newsbot:follow:"))
    modal = (await press(fake, message, follow))["data"]
    mark = await submit(fake, modal, "Who is representing the US there?", message)
    answer = await fake.wait_for(is_followup, after=mark)
    assert "No articles match after 2000-01-01" in answer.body["embeds"][0]["description"]


async def test_a_follow_up_over_the_cooldown_gets_a_private_reply_from_the_modal(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    bot, task = await start_bot(
        fake, seeds_archive, tmp_path / "data", discord_cooldown_questions=1
    )
    try:
        message = await ask_and_wait(fake, QUESTION)
        follow = next(i for i in custom_ids(message) if i.startswith("newsbot:follow:"))
        modal = (await press(fake, message, follow))["data"]
        mark = await submit(fake, modal, "And where?", message)
        reply = await fake.wait_for(is_callback, after=mark)
        assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
        assert "try again in" in reply.body["data"]["content"]
    finally:
        await stop_bot(bot, task)


async def test_a_form_opened_before_a_restart_gets_a_reply_not_silence(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    bot, task = await start_bot(fake, seeds_archive, data_dir)
    try:
        message = await ask_and_wait(fake, QUESTION)
        follow = next(i for i in custom_ids(message) if i.startswith("newsbot:follow:"))
        opened = []
        for custom_id in (follow, "newsbot:vote:down"):  # the follow-up and the 👎 reason forms
            opened.append((await press(fake, message, custom_id))["data"])
    finally:
        await stop_bot(bot, task)

    fake.identified.clear()
    bot, task = await start_bot(fake, seeds_archive, data_dir)  # its open forms are gone
    try:
        for modal in opened:
            mark = await submit(fake, modal, "Where will they meet?", message)
            reply = await fake.wait_for(is_callback, after=mark)
            assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
            assert "expired" in reply.body["data"]["content"]
        # A form the running bot opened is answered as before, not as expired.
        modal = (await press(fake, message, follow))["data"]
        mark = await submit(fake, modal, "Where will they meet?", message)
        assert (await fake.wait_for(is_callback, after=mark)).body == {"type": 5}
        await fake.wait_for(is_followup, after=mark)
        assert not [r for r in fake.requests[mark:] if is_callback(r)][1:]  # one reply only
    finally:
        await stop_bot(bot, task)


async def test_closing_lets_an_answer_being_made_finish_before_the_stores_close(
    fake: FakeDiscord, seeds_archive: Archive, tmp_path: Path
) -> None:
    bot, task = await start_bot(fake, seeds_archive, tmp_path / "data")
    release = threading.Event()

    def answering() -> object:
        release.wait(30)
        return bot.conversations.history("some-conversation", "")  # reads its store

    job = asyncio.ensure_future(bot.run_blocking(answering))
    closing = asyncio.create_task(stop_bot(bot, task))
    await asyncio.sleep(0.3)
    assert not closing.done()  # waits for the answer rather than closing under it
    release.set()
    await closing
    assert await job is None  # it ran to the end on an open store
