"""The server-side conversation store: turns kept in order, trimmed, owned, and forgotten."""

from __future__ import annotations

import time
from pathlib import Path

from bot.api.conversations import ConversationStore
from bot.models import Turn


def test_turns_come_back_oldest_first_and_trimmed(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_s=60, keep_turns=2)
    cid = store.new_id()
    assert store.history(cid, owner="") is None  # unknown until something is said
    for n in range(1, 5):
        store.append(cid, "", Turn(f"q{n}", f"a{n}"))
    assert store.history(cid, owner="") == [Turn("q3", "a3"), Turn("q4", "a4")]
    store.close()


def test_history_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = ConversationStore(path, ttl_s=60, keep_turns=5)
    store.append("conversation-1", "key-a", Turn("q", "a"))
    store.close()
    reopened = ConversationStore(path, ttl_s=60, keep_turns=5)
    assert reopened.history("conversation-1", owner="key-a") == [Turn("q", "a")]
    reopened.close()


def test_a_conversation_belongs_to_its_owner(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_s=60, keep_turns=5)
    store.append("conversation-1", "key-a", Turn("q", "a"))
    assert store.history("conversation-1", owner="key-b") is None
    assert store.history("conversation-1", owner="") is None
    store.close()


def test_idle_conversations_expire(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_s=0.3, keep_turns=5)
    store.append("conversation-1", "", Turn("q", "a"))
    assert store.history("conversation-1", owner="") == [Turn("q", "a")]
    time.sleep(0.5)
    assert store.history("conversation-1", owner="") is None
    store.close()


def test_ids_are_unguessable_and_distinct(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_s=60, keep_turns=5)
    ids = {store.new_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) >= 20 for i in ids)
    store.close()
