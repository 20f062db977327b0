"""👍/👎 votes on answers and the reasons given, kept in SQLite with what was answered, so that
`/about` can count them and `newsbot feedback export` can turn them into eval questions."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from bot.models import Answer, Turn
from index.search.retrieval import SearchFilters

VoteFilter = Literal["down", "up", "all"]
REASON_CHARS = 1000
KEEP_UNVOTED_S = 30 * 86_400  # an answer nobody voted on is forgotten after 30 days
PRUNE_EVERY_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    message_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    vote         TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    question     TEXT NOT NULL DEFAULT '',
    citation_ids TEXT NOT NULL DEFAULT '',
    voted_at     REAL NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
CREATE TABLE IF NOT EXISTS answers (
    message_id  INTEGER PRIMARY KEY,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    answerable  INTEGER NOT NULL,
    citations   TEXT NOT NULL,  -- JSON: [{"n", "id", "article_id"}]
    history     TEXT NOT NULL,  -- JSON: [{"question", "answer"}]
    filters     TEXT NOT NULL DEFAULT '{}',  -- JSON: {"sources", "after", "before"}
    answered_at REAL NOT NULL
);
"""
_ADDED_COLUMNS = {"reason": "TEXT NOT NULL DEFAULT ''"}  # to votes, in stores made before them


@dataclass(frozen=True)
class AnsweredRecord:
    """What the bot answered in one message: kept so a vote can say what it was about."""

    question: str
    answer: str
    answerable: bool
    citations: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        question: str,
        answer: Answer,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
    ) -> AnsweredRecord:
        return cls(
            question=question,
            answer=answer.answer,
            answerable=answer.answerable,
            citations=[
                {"n": c.n, "id": c.id, "article_id": c.article_id} for c in answer.citations
            ],
            history=[{"question": t.question, "answer": t.answer} for t in history or []],
            filters=_filters_json(filters),
        )

    def turns(self) -> list[Turn]:
        """The conversation this answer ended: its earlier turns, then its own."""
        earlier = [Turn(t["question"], t.get("answer", "")) for t in self.history]
        return [*earlier, Turn(self.question, self.answer)]

    def search_filters(self) -> SearchFilters | None:
        """The filters the question was asked with, for its follow-ups."""
        if not self.filters:
            return None
        after, before = self.filters.get("after"), self.filters.get("before")
        return SearchFilters(
            tuple(self.filters.get("sources", ())),
            date.fromisoformat(after) if after else None,
            date.fromisoformat(before) if before else None,
        )


class FeedbackStore:
    """One vote per user and answer message; voting again replaces the earlier vote."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(votes)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in have:
                    self._db.execute(f"ALTER TABLE votes ADD COLUMN {column} {kind}")
        self._pruned_at = 0.0

    def remember(self, message_id: int, record: AnsweredRecord) -> None:
        """What the answer in `message_id` said, for the votes it will get."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (message_id, question, answer, answerable, "
                "citations, history, filters, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    record.question,
                    record.answer,
                    int(record.answerable),
                    json.dumps(record.citations),
                    json.dumps(record.history),
                    json.dumps(record.filters),
                    time.time(),
                ),
            )
        if time.time() - self._pruned_at > PRUNE_EVERY_S:
            self.forget_unvoted(time.time() - KEEP_UNVOTED_S)

    def forget_unvoted(self, before: float) -> int:
        """Drop answers kept before `before` that got no vote; how many were dropped."""
        with self._lock:
            self._pruned_at = time.time()
            cursor = self._db.execute(
                "DELETE FROM answers WHERE answered_at < ? AND message_id NOT IN "
                "(SELECT message_id FROM votes)",
                (before,),
            )
        return cursor.rowcount

    def answered(self, message_id: int) -> AnsweredRecord | None:
        """What the answer in `message_id` said, when it was kept."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_ANSWER_COLUMNS)} FROM answers WHERE message_id = ?",
                (message_id,),
            ).fetchone()
        return None if row is None else _answered(row)

    def record(
        self,
        message_id: int,
        user_id: int,
        vote: str,
        question: str = "",
        citation_ids: str = "",
    ) -> None:
        """A vote; changing it clears the reason given for the earlier one (pressing the same
        button again keeps it: the reason form may be closed without a word)."""
        if vote not in ("up", "down"):
            raise ValueError(f"a vote is 'up' or 'down', not {vote!r}")
        with self._lock:
            self._db.execute(
                "INSERT INTO votes (message_id, user_id, vote, question, citation_ids, voted_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO UPDATE SET "
                "vote = excluded.vote, voted_at = excluded.voted_at, "
                "reason = CASE WHEN vote = excluded.vote THEN reason ELSE '' END",
                (message_id, user_id, vote, question, citation_ids, time.time()),
            )

    def add_reason(self, message_id: int, user_id: int, reason: str) -> bool:
        """Why the user voted as they did; False when they have no vote on that message."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE votes SET reason = ? WHERE message_id = ? AND user_id = ?",
                (reason.strip()[:REASON_CHARS], message_id, user_id),
            )
        return cursor.rowcount > 0

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT vote, COUNT(*) FROM votes GROUP BY vote").fetchall()
        found = {vote: count for vote, count in rows}
        return {"up": found.get("up", 0), "down": found.get("down", 0)}

    def export(self, votes: VoteFilter = "down") -> Iterator[dict[str, Any]]:
        """Votes as `newsbot eval` questions, oldest first (see eval_record)."""
        kinds = ("up", "down") if votes == "all" else (votes,)
        with self._lock:
            answer_columns = ", ".join(f"a.{c}" for c in _ANSWER_COLUMNS)
            rows = self._db.execute(
                "SELECT v.vote, v.reason, v.voted_at, v.question, v.citation_ids, "
                f"{answer_columns} FROM votes v LEFT JOIN answers a ON a.message_id = v.message_id "
                f"WHERE v.vote IN ({', '.join('?' * len(kinds))}) ORDER BY v.voted_at",
                kinds,
            ).fetchall()
        for vote, reason, voted_at, old_question, old_ids, *answered in rows:
            if answered[0] is None:  # voted before answers were kept: only the question
                record = AnsweredRecord(old_question, "", True, _footer_ids(old_ids))
            else:
                record = _answered(answered)
            if record.question.strip():
                yield eval_record(record, vote, reason, voted_at)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def eval_record(record: AnsweredRecord, vote: str, reason: str, voted_at: float) -> dict[str, Any]:
    """One line of a `newsbot eval` file (see bot/evaluation.py), with the feedback kept under
    "feedback". A 👍 labels the cited articles as the sources; a 👎 leaves `answer_any` and
    `sources` for a person to fill in, since only they know the right answer."""
    cited = sorted({c["article_id"] for c in record.citations if c.get("article_id")})
    return {
        "q": record.question,
        "answerable": True if vote == "down" else record.answerable,
        "answer_any": [],
        "sources": cited if vote == "up" else [],
        "history": record.history,
        "feedback": {
            "vote": vote,
            "reason": reason,
            "answer": record.answer,
            "answered": record.answerable,
            "citation_ids": [c["id"] for c in record.citations],
            "cited_articles": cited,
            "voted_at": datetime.fromtimestamp(voted_at, UTC).isoformat(timespec="seconds"),
        },
    }


# What `answers` keeps of one answer, in the order _answered reads it.
_ANSWER_COLUMNS = ("question", "answer", "answerable", "citations", "history", "filters")


def _answered(row: Sequence[Any]) -> AnsweredRecord:
    question, text, answerable, citations, history, filters = row
    return AnsweredRecord(
        question,
        text,
        bool(answerable),
        json.loads(citations),
        json.loads(history),
        json.loads(filters),
    )


def _filters_json(filters: SearchFilters | None) -> dict[str, Any]:
    if filters is None or not filters.active:
        return {}
    return {
        "sources": list(filters.sources),
        "after": filters.published_after.isoformat() if filters.published_after else None,
        "before": filters.published_before.isoformat() if filters.published_before else None,
    }


def _footer_ids(footer: str) -> list[dict[str, Any]]:
    """Citation ids from an answer footer ("/source id: [1] abc:0-10 · [2] …")."""
    ids = [word for word in footer.split() if ":" in word and "-" in word.rpartition(":")[2]]
    return [{"id": cid} for cid in ids]
