"""Server-side conversation history (SQLite), so REST clients can ask follow-up questions."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path

from bot.models import Turn

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (conversation_id, n)
);
CREATE INDEX IF NOT EXISTS conversations_by_age ON conversations(updated);
"""
PURGE_EVERY_S = 60.0


class ConversationStore:
    """Turns per conversation id; an id idle longer than `ttl_s` is forgotten.

    `owner` (an API-key fingerprint, or "" when anonymous) keeps one caller from continuing
    another caller's conversation.
    """

    def __init__(self, path: Path, ttl_s: float, keep_turns: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.ttl_s = ttl_s
        self.keep_turns = keep_turns
        self._purged_at = 0.0

    def new_id(self) -> str:
        return secrets.token_urlsafe(16)

    def history(self, conversation_id: str, owner: str) -> list[Turn] | None:
        """The latest turns, oldest first; None when the id is unknown, expired or not owner's."""
        now = time.time()
        self._purge(now)
        with self._lock:
            row = self._db.execute(
                "SELECT owner, updated FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None or row[0] != owner or row[1] < now - self.ttl_s:
                return None
            rows = self._db.execute(
                "SELECT question, answer FROM turns WHERE conversation_id = ? "
                "ORDER BY n DESC LIMIT ?",
                (conversation_id, self.keep_turns),
            ).fetchall()
        return [Turn(q, a) for q, a in reversed(rows)]

    def append(self, conversation_id: str, owner: str, turn: Turn) -> None:
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO conversations (id, owner, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET updated = excluded.updated",
                    (conversation_id, owner, now),
                )
                self._db.execute(
                    "INSERT INTO turns (conversation_id, n, question, answer) "
                    "SELECT ?, COALESCE(MAX(n), 0) + 1, ?, ? FROM turns WHERE conversation_id = ?",
                    (conversation_id, turn.question, turn.answer, conversation_id),
                )
                # Only the turns a follow-up can use are worth keeping.
                self._db.execute(
                    "DELETE FROM turns WHERE conversation_id = ? AND n <= "
                    "(SELECT MAX(n) FROM turns WHERE conversation_id = ?) - ?",
                    (conversation_id, conversation_id, max(self.keep_turns, 1)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _purge(self, now: float) -> None:
        if now - self._purged_at < PURGE_EVERY_S:
            return
        with self._lock:
            self._purged_at = now
            self._db.execute("DELETE FROM conversations WHERE updated < ?", (now - self.ttl_s,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
