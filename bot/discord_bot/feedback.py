"""👍/👎 votes on answers, kept in SQLite in the data dir so `/about` can count them."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    message_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    vote         TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    question     TEXT NOT NULL DEFAULT '',
    citation_ids TEXT NOT NULL DEFAULT '',
    voted_at     REAL NOT NULL,
    PRIMARY KEY (message_id, user_id)
)
"""


class FeedbackStore:
    """One vote per user and answer message; voting again replaces the earlier vote."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def record(
        self,
        message_id: int,
        user_id: int,
        vote: str,
        question: str = "",
        citation_ids: str = "",
    ) -> None:
        if vote not in ("up", "down"):
            raise ValueError(f"a vote is 'up' or 'down', not {vote!r}")
        with self._lock:
            self._db.execute(
                "INSERT INTO votes (message_id, user_id, vote, question, citation_ids, voted_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO UPDATE SET "
                "vote = excluded.vote, voted_at = excluded.voted_at",
                (message_id, user_id, vote, question, citation_ids, time.time()),
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT vote, COUNT(*) FROM votes GROUP BY vote").fetchall()
        found = {vote: count for vote, count in rows}
        return {"up": found.get("up", 0), "down": found.get("down", 0)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
