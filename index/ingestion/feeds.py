"""The feeds an archive follows, and what each last did: kept in the catalog's database.

A feed is checked when it is due: `every` after its last check, or, after failures, later and
later (doubling, at most a day), so a feed that keeps failing costs little and never stops the
others. Items already taken are remembered, so a refresh fetches only new pages.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MAX_BACKOFF_S = 86_400.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 60.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL DEFAULT '',
    every_s REAL NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_checked REAL,
    last_ok REAL,
    last_error TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0,
    next_due REAL NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    link TEXT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',  -- the page's validators, for a conditional GET next time
    last_modified TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (feed_url, link)
);
"""


def parse_every(text: str) -> float:
    """Seconds in "30m", "2h", "1d", "45s" (a bare number is minutes); ValueError otherwise."""
    found = _DURATION.match(text)
    if not found or float(found[1]) <= 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 2h, 1d)")
    return float(found[1]) * _UNITS[found[2]]


@dataclass(frozen=True)
class PageValidators:
    """What a page's server said about its version (ETag, Last-Modified)."""

    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class FeedState:
    url: str
    source: str
    every_s: float
    etag: str
    last_modified: str
    last_checked: float | None
    last_ok: float | None
    last_error: str
    failures: int
    next_due: float
    articles: int  # taken from it so far

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class FeedStore:
    """Thread-safe: one connection, one lock, every write its own transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def add(self, url: str, source: str = "", every_s: float = 1800.0) -> bool:
        """Follow a feed (due now); False when it was followed already (its settings updated)."""
        with self._lock, self._db:
            known = self._db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            self._db.execute(
                "INSERT INTO feeds (url, source, every_s, next_due) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET source = excluded.source,"
                " every_s = excluded.every_s",
                (url, source, every_s, time.time()),
            )
        return known is None

    def remove(self, url: str) -> bool:
        with self._lock, self._db:
            return self._db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount > 0

    def all(self) -> list[FeedState]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM feeds ORDER BY url").fetchall()
        return [FeedState(*r) for r in rows]

    def get(self, url: str) -> FeedState | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
        return FeedState(*row) if row else None

    def due(self, now: float | None = None) -> list[FeedState]:
        now = time.time() if now is None else now
        return [f for f in self.all() if f.next_due <= now]

    def seen(self, url: str) -> dict[str, PageValidators]:
        """The item links already taken from this feed, with their pages' validators."""
        with self._lock:
            rows = self._db.execute(
                "SELECT link, etag, last_modified FROM feed_items WHERE feed_url = ?", (url,)
            ).fetchall()
        return {r[0]: PageValidators(r[1], r[2]) for r in rows}

    def succeeded(
        self,
        url: str,
        etag: str,
        last_modified: str,
        taken: dict[str, PageValidators],
        now: float | None = None,
    ) -> None:
        """Record a good check: the feed's validators, and the pages taken (new or edited)."""
        now = time.time() if now is None else now
        with self._lock, self._db:
            known = {
                r[0]
                for r in self._db.execute(
                    "SELECT link FROM feed_items WHERE feed_url = ?", (url,)
                ).fetchall()
            }
            added = [link for link in taken if link not in known]
            self._db.executemany(
                "INSERT INTO feed_items (feed_url, link, etag, last_modified) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(feed_url, link) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified",
                [(url, link, v.etag, v.last_modified) for link, v in taken.items()],
            )
            taken = {link: taken[link] for link in added}  # only new pages count as articles
            self._db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, last_checked = ?, last_ok = ?,"
                " last_error = '', failures = 0, next_due = ? + every_s,"
                " articles = articles + ? WHERE url = ?",
                (etag, last_modified, now, now, now, len(taken), url),
            )

    def failed(self, url: str, error: str, now: float | None = None) -> None:
        """Record a failure; the next try waits `every` doubled per failure in a row."""
        now = time.time() if now is None else now
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT every_s, failures FROM feeds WHERE url = ?", (url,)
            ).fetchone()
            if row is None:
                return
            every, failures = float(row[0]), int(row[1]) + 1
            wait = min(every * 2 ** min(failures, 16), MAX_BACKOFF_S)
            self._db.execute(
                "UPDATE feeds SET last_checked = ?, last_error = ?, failures = ?, next_due = ?"
                " WHERE url = ?",
                (now, error[:1000], failures, now + wait, url),
            )


_COLUMNS = (
    "url, source, every_s, etag, last_modified, last_checked, last_ok, last_error, failures,"
    " next_due, articles"
)
