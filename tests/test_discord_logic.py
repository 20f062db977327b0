"""The Discord bot's logic without a network: guards, buttons, feedback, threads, settings."""

from __future__ import annotations

import logging
import re
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.discord_bot.client import bot_intents, invite_permissions, invite_url
from bot.discord_bot.cogs.mentions import addressed, strip_mentions, turns_from_thread
from bot.discord_bot.feedback import AnsweredRecord, FeedbackStore
from bot.discord_bot.guards import Allowlist, NotAllowedHere, SlowDown, UserCooldown
from bot.discord_bot.options import BadOption, parse_day, source_choices
from bot.discord_bot.recent import RecentCitations
from bot.discord_bot.render import escape, unescape
from bot.discord_bot.replies import NO_MENTIONS, UNEXPECTED, send_answer, user_message
from bot.discord_bot.runner import NO_TOKEN, require_token
from bot.discord_bot.views import PassageButton, VoteButton, answer_view
from bot.errors import ConfigError, ModeUnavailable
from bot.models import Answer, Citation, Turn
from bot.settings import Settings
from index.catalog import SourceSummary
from tests.conftest import ROOT, make_settings


def cite(n: int, cid: str | None = None) -> Citation:
    return Citation(n, cid or f"{n:016x}:0-10", "a", "T", "s", "", None, "q", 0, 10, 1.0)


def test_allowlist_empty_allows_everything_including_dms() -> None:
    assert Allowlist().allows(None, 5)
    assert Allowlist().allows(1, 2, 3)


def test_allowlist_limits_guilds_and_channels_and_counts_threads_as_their_parent() -> None:
    allow = Allowlist.of([10], [20])
    assert allow.allows(10, 20)
    assert allow.allows(10, 999, parent_id=20)  # a thread in an allowed channel
    assert not allow.allows(10, 21)
    assert not allow.allows(11, 20)
    assert not allow.allows(None, 20)  # DMs are not in any listed server


def test_cooldown_allows_rate_questions_per_window_then_says_how_long() -> None:
    now = [100.0]
    cooldown = UserCooldown(rate=2, per=30, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0
    now[0] += 5
    assert cooldown.retry_after(1) == 0
    now[0] += 5
    assert cooldown.retry_after(1) == pytest.approx(20)
    assert cooldown.retry_after(2) == 0  # per user
    with pytest.raises(SlowDown, match="try again in 20 s"):
        cooldown.check(1)
    now[0] += 20
    assert cooldown.retry_after(1) == 0
    assert UserCooldown(rate=1, per=0).retry_after(1) == 0  # 0 s disables it


def test_user_messages_are_short_and_safe_and_unexpected_errors_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert user_message(NotAllowedHere()).startswith("I'm not enabled in this channel")
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = ModeUnavailable("answer mode 'llm' is not available")
    assert user_message(wrapped) == "answer mode 'llm' is not available"
    with caplog.at_level(logging.ERROR, logger="newsbot.discord"):
        secret = RuntimeError("/srv/secret/path exploded")
        assert user_message(secret) == UNEXPECTED
    assert "/srv/secret/path exploded" in caplog.text  # the details go to the log only


def test_answer_view_has_a_passage_button_per_source_then_votes() -> None:
    view = answer_view(Answer("x [1][2]", True, [cite(1), cite(2)]))
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids == [
        "newsbot:passage:1:0000000000000001:0-10",
        "newsbot:passage:2:0000000000000002:0-10",
        "newsbot:vote:up",
        "newsbot:vote:down",
    ]
    assert view.timeout is None and view.is_persistent()
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [2, 2]
    labels = [c.get("label") for c in rows[0]["components"]]
    assert labels == ["Passage 1", "Passage 2"]


def test_answer_view_fits_discords_25_components_and_skips_ids_too_long_for_buttons() -> None:
    many = [cite(n) for n in range(1, 31)] + [cite(31, "x" * 120)]
    rows = answer_view(Answer("x", True, many)).to_components()
    assert len(rows) == 5 and all(len(r["components"]) <= 5 for r in rows)
    ids = [c["custom_id"] for r in rows for c in r["components"]]
    assert len(ids) == 22 and all(len(i) <= 100 for i in ids)
    assert ids[-2:] == ["newsbot:vote:up", "newsbot:vote:down"]


async def test_buttons_are_rebuilt_from_their_custom_id_alone() -> None:
    custom_id = "newsbot:passage:3:9072ba8ea716eeed:0-843"
    match = PassageButton.__discord_ui_compiled_template__.match(custom_id)
    assert match is not None
    button = await PassageButton.from_custom_id(None, None, match)  # type: ignore[arg-type]
    assert (button.n, button.citation_id) == (3, "9072ba8ea716eeed:0-843")
    vote = VoteButton.__discord_ui_compiled_template__.match("newsbot:vote:down")
    assert vote is not None
    assert (await VoteButton.from_custom_id(None, None, vote)).vote == "down"  # type: ignore[arg-type]
    assert VoteButton.__discord_ui_compiled_template__.match("newsbot:vote:sideways") is None


def test_feedback_store_keeps_one_vote_per_user_and_message(tmp_path: Path) -> None:
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    store.record(1, 100, "up")
    store.record(1, 100, "down")  # changed their mind
    store.record(1, 101, "up")
    store.record(2, 100, "up", question="q?", citation_ids="[1] a:0-1")
    assert store.counts() == {"up": 2, "down": 1}
    with pytest.raises(ValueError):
        store.record(3, 100, "meh")
    store.close()
    assert FeedbackStore(path).counts() == {"up": 2, "down": 1}  # kept across restarts


def test_thread_messages_become_turns_starting_with_the_opening_question() -> None:
    messages = [
        (False, "When are the talks?"),
        (True, "On February 18 [1]."),
        (False, "Where?"),
        (True, "In Saudi Arabia [1]."),
        (True, "Sources (continued)"),  # a second bot message belongs to the same answer
        (False, "Who goes?"),  # the current, unanswered question is not history
    ]
    assert turns_from_thread(messages, keep=6) == [
        Turn("When are the talks?", "On February 18 [1]."),
        Turn("Where?", "In Saudi Arabia [1].\nSources (continued)"),
    ]
    assert turns_from_thread([(True, "hello"), (False, "")], keep=6) == []
    # As many turns as NEWSBOT_CONVERSATION_TURNS says, as for follow-ups elsewhere; 0 is none.
    assert turns_from_thread(messages, keep=1) == [
        Turn("Where?", "In Saudi Arabia [1].\nSources (continued)")
    ]
    assert turns_from_thread(messages, keep=0) == []


def test_answer_text_round_trips_through_escaping_for_history() -> None:
    text = "Talks *resumed* in_March @everyone <@12> [1]."
    assert unescape(escape(text)) == text
    assert strip_mentions("<@42> when is it? <@!42>", 42) == "when is it?"


def test_message_content_intent_only_in_mention_mode() -> None:
    assert not bot_intents(False).message_content and bot_intents(False).guilds
    assert not bot_intents(False).guild_messages
    on = bot_intents(True)
    assert on.message_content and on.guild_messages
    assert discord.Intents.none().value < on.value


def test_discord_settings_parse_lists_and_hide_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("NEWSBOT_DISCORD_CHANNEL_IDS", "[789]")
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    settings = make_settings(tmp_path)
    assert settings.discord_guild_ids == [123, 456]
    assert settings.discord_channel_ids == [789]
    assert require_token(settings) == "very-secret-token"
    assert "very-secret-token" not in repr(settings) and "very-secret-token" not in str(settings)
    monkeypatch.setenv("NEWSBOT_DISCORD_TOKEN", "preferred")
    assert require_token(make_settings(tmp_path)) == "preferred"


def test_no_token_is_a_clear_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("NEWSBOT_DISCORD_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        require_token(make_settings(tmp_path))


def test_newsbot_discord_without_a_token_exits_with_a_message(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NEWSBOT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "discord"],
        cwd=tmp_path,  # no .env here
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert " ".join(result.stderr.split()) == f"error: {' '.join(NO_TOKEN.split())}"


def test_the_docs_invite_url_has_the_permissions_the_bot_needs() -> None:
    docs = (ROOT / "docs" / "discord.md").read_text()
    value = invite_permissions().value
    assert value == 309237730304
    assert f"permissions={value}" in docs
    assert f"permissions={value}" in invite_url(1)
    assert "scope=bot+applications.commands" in invite_url(1)
    for name in re.findall(r"NEWSBOT_DISCORD_[A-Z_]+", docs):
        field = name.removeprefix("NEWSBOT_").lower()
        assert field in Settings.model_fields, name


async def test_a_long_answer_goes_out_as_several_messages_with_the_buttons_on_the_last() -> None:
    sent: list[dict[str, object]] = []

    async def send(**kwargs: object) -> None:
        sent.append(kwargs)

    long_answer = Answer("A sentence that goes on [1]. " * 400, True, [cite(1), cite(2)])
    await send_answer(send, "q?", long_answer)
    assert len(sent) >= 3
    assert all(s["allowed_mentions"] is NO_MENTIONS for s in sent)
    assert NO_MENTIONS.to_dict() == {"parse": []}
    assert ["view" in s for s in sent] == [False] * (len(sent) - 1) + [True]
    assert all(len(s["embed"]) <= 6000 for s in sent)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "mentioned", "answered"),
    [
        ("thanks!", False, False),
        ("ok", False, False),
        ("👍🙏", False, False),
        ("thank you so much", False, False),
        ("great, that helps", False, False),
        ("Where did they meet?", False, True),
        ("who attends for Russia", False, True),
        ("and the date", False, True),
        ("Tell me more about the sanctions", False, True),
        ("thanks", True, True),  # a mention is always addressed to the bot
        ("Why?", False, True),  # a one-word question is a question
        ("when ?", False, True),
        ("ok?", False, False),
        ("Can't wait for the next round", False, False),
        ("don't worry, all good", False, False),
        ("Can they meet before March", False, True),
    ],
)
def test_only_what_is_asked_or_addressed_is_answered_in_a_bot_thread(
    text: str, mentioned: bool, answered: bool
) -> None:
    assert addressed(text, mentioned) is answered


def test_recent_citations_are_per_channel_newest_first_and_private_ones_only_for_the_asker() -> (
    None
):
    recent = RecentCitations(per_channel=3)
    recent.add(1, [cite(1, "aaaaaaaaaaaaaaaa:0-10"), cite(2, "bbbbbbbbbbbbbbbb:0-10")], None)
    recent.add(1, [cite(1, "cccccccccccccccc:0-10")], private_to=7)
    recent.add(2, [cite(1, "dddddddddddddddd:0-10")], None)
    # newest answer first; within an answer, its own order ([1] before [2])
    assert [s.citation_id[0] for s in recent.choices(1, 7, "")] == ["c", "a", "b"]
    assert [s.citation_id[0] for s in recent.choices(1, 8, "")] == ["a", "b"]  # not 7's answer
    assert [s.label for s in recent.choices(1, 8, "")] == ["[1] T", "[2] T"]
    assert [s.citation_id[0] for s in recent.choices(1, 8, "bbbb")] == ["b"]
    c = "cccccccccccccccc:0-10"
    assert recent.only_shown_to(1, 7, c) and not recent.only_shown_to(1, 8, c)
    assert not recent.only_shown_to(1, 7, "bbbbbbbbbbbbbbbb:0-10")  # shown to everyone
    assert not recent.only_shown_to(2, 7, c)  # not shown in that channel at all
    recent.add(1, [cite(3, "eeeeeeeeeeeeeeee:0-10")], None)  # only 3 kept per channel
    assert [s.citation_id[0] for s in recent.choices(1, 7, "")] == ["e", "c", "a"]
    long = Citation(1, "ffffffffffffffff:0-1", "a", "x" * 300, "s", "", None, "q", 0, 1, 1.0)
    recent.add(3, [long], None)
    assert len(recent.choices(3, 1, "")[0].label) == 100  # Discord's limit on a choice


def test_feedback_reasons_and_answers_export_as_eval_lines_and_old_stores_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feedback.sqlite3"
    old = sqlite3.connect(path)  # a store from before reasons and answers were kept
    old.execute(
        "CREATE TABLE votes (message_id INTEGER NOT NULL, user_id INTEGER NOT NULL, vote TEXT "
        "NOT NULL, question TEXT NOT NULL DEFAULT '', citation_ids TEXT NOT NULL DEFAULT '', "
        "voted_at REAL NOT NULL, PRIMARY KEY (message_id, user_id))"
    )
    old.execute(
        "INSERT INTO votes VALUES (1, 5, 'down', 'Old question?', "
        "'/source id: [1] 0000000000000001:0-10', 1.0)"
    )
    old.commit()
    old.close()

    store = FeedbackStore(path)
    answer = Answer("Saudi Arabia [1].", True, [cite(1)])
    store.remember(2, AnsweredRecord.of("Where?", answer, [Turn("When?", "February [1].")]))
    store.record(2, 5, "down")
    assert store.add_reason(2, 5, "  wrong city  ")
    assert not store.add_reason(2, 6, "no vote from this user")
    store.record(2, 6, "up")
    down = list(store.export("down"))
    assert [d["q"] for d in down] == ["Old question?", "Where?"]
    assert down[0]["feedback"]["citation_ids"] == ["0000000000000001:0-10"]
    assert down[1]["feedback"]["reason"] == "wrong city"
    assert down[1]["history"] == [{"question": "When?", "answer": "February [1]."}]
    assert down[1]["sources"] == [] and down[1]["answerable"] is True
    (up,) = store.export("up")
    assert up["sources"] == ["a"] and up["feedback"]["reason"] == ""
    assert len(list(store.export("all"))) == 3
    store.record(2, 5, "down")  # 👎 pressed again (its form closed empty): the reason stays
    assert [d["feedback"]["reason"] for d in store.export("down")] == ["", "wrong city"]
    store.record(2, 5, "up")
    store.record(2, 5, "down")  # a changed vote clears the reason given for the earlier one
    assert [d["feedback"]["reason"] for d in store.export("down")] == ["", ""]
    store.remember(3, AnsweredRecord.of("Unvoted?", answer))
    assert store.forget_unvoted(time.time() + 1) == 1  # answers with votes are kept
    assert store.answered(3) is None and store.answered(2) is not None
    store.close()


def test_options_parse_dates_and_refuse_bad_ones_clearly() -> None:
    assert parse_day("2005-03-01", "after") == date(2005, 3, 1)
    assert parse_day("  ", "after") is None
    with pytest.raises(BadOption, match="`before` must be a date like 2005-03-01"):
        parse_day("yesterday", "before")


def test_source_choices_fit_discords_limits_and_leave_out_names_no_choice_can_carry() -> None:
    sources = [SourceSummary(f"feed {i}", i, None, None, 0) for i in range(40)]
    sources += [
        SourceSummary("x" * 101, 99, None, None, 0),  # a value over 100 characters is refused
        SourceSummary("Long\nname " + "y" * 85, 98, None, None, 0),
    ]
    choices = source_choices(sources, "")
    assert len(choices) == 25
    assert all(1 <= len(c.name) <= 100 and 1 <= len(str(c.value)) <= 100 for c in choices)
    assert {c.value for c in choices} <= {s.name for s in sources}  # cut, one would name none
    assert choices[0].value.startswith("Long\nname") and "\n" not in choices[0].name
    assert [c.value for c in source_choices(sources, "FEED 3")] == ["feed 39", "feed 38",
        "feed 37", "feed 36", "feed 35", "feed 34", "feed 33", "feed 32", "feed 31", "feed 30",
        "feed 3"]  # fmt: skip
