"""Ingest from the web: an article page, or a feed and the pages its items link to.

Every failure is reported where it happened (the feed's status, the item's link) while the rest
keeps ingesting: a feed that cannot be fetched or parsed is marked failed and retried later
(FeedStore backs off), an item whose page fails is left for the next refresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from index.articles import Article
from index.ingestion.feeds import FeedState, FeedStore, PageValidators
from index.ingestion.fetch import Fetcher, FetchError
from index.ingestion.ingest import Ingestor, IngestReport
from index.ingestion.loaders import Problem
from index.ingestion.web_articles import (
    NotAnArticle,
    article_from_page,
    looks_like_feed,
    parse_feed,
)

log = logging.getLogger("newsbot.feeds")
MAX_ITEMS_PER_REFRESH = 100  # pages fetched from one feed per refresh, newest first


@dataclass
class FeedRefresh:
    """What one refresh of one feed did."""

    url: str
    report: IngestReport = field(default_factory=IngestReport)
    error: str = ""  # the feed itself failed (its items were not read)
    not_modified: bool = False
    left_over: bool = False  # more items than one refresh takes: the rest come next time


class WebIngest:
    def __init__(self, ingestor: Ingestor, fetcher: Fetcher, feeds: FeedStore) -> None:
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.feeds = feeds

    def ingest_url(self, url: str, source: str | None = None) -> IngestReport:
        """An article page, or every item of a feed (read once; `feeds add` follows one)."""
        try:
            fetched = self.fetcher.get(url)
        except FetchError as exc:
            return _failed(url, str(exc))
        if looks_like_feed(fetched.content_type, fetched.body):
            try:
                return self._take_feed(url, fetched.body, source or "", seen={})[0]
            except NotAnArticle:
                pass  # XML that is no feed: perhaps a page
        try:
            article = article_from_page(fetched.text(), fetched.url, source or "")
        except NotAnArticle as exc:
            return _failed(url, str(exc))
        return self.ingestor.ingest_articles([article])

    def refresh(self, feed: FeedState) -> FeedRefresh:
        """Check one feed (a conditional GET) and ingest the pages of its new items."""
        done = FeedRefresh(feed.url)
        try:
            fetched = self.fetcher.get(feed.url, feed.etag, feed.last_modified)
            if fetched.not_modified:
                self.feeds.succeeded(feed.url, feed.etag, feed.last_modified, {})
                done.not_modified = True
                return done
            if not looks_like_feed(fetched.content_type, fetched.body):
                kind = fetched.content_type.split(";")[0] or "no content type"
                raise NotAnArticle(f"{feed.url}: served {kind}, not an RSS or Atom feed")
            seen = self.feeds.seen(feed.url)
            done.report, taken, done.left_over = self._take_feed(
                feed.url, fetched.body, feed.source, seen
            )
        except (FetchError, NotAnArticle) as exc:
            return self._failed(done, str(exc))
        # Pages that failed, or that this refresh had no room for, are taken next time: keep
        # no validators, or the feed's 304 would hide them until the feed changes.
        retry = done.left_over or any(p.where != feed.url for p in done.report.failed)
        etag, modified = ("", "") if retry else (fetched.etag, fetched.last_modified)
        self.feeds.succeeded(feed.url, etag, modified, taken)
        return done

    def refresh_due(self) -> list[FeedRefresh]:
        """Refresh every feed that is due; one feed's failure, of any kind, never stops the
        others (it is recorded as that feed's error and retried later)."""
        done = []
        for feed in self.feeds.due():
            try:
                done.append(self.refresh(feed))
            except Exception as exc:
                log.exception("feed %s failed unexpectedly", feed.url)
                done.append(self._failed(FeedRefresh(feed.url), f"unexpected error: {exc!r}"))
        return done

    def _failed(self, done: FeedRefresh, error: str) -> FeedRefresh:
        done.error = error
        done.report.failed.append(Problem(done.url, error))
        self.feeds.failed(done.url, error)
        log.warning("feed %s failed: %s", done.url, error)
        return done

    def _take_feed(
        self, url: str, body: bytes, source: str, seen: dict[str, PageValidators]
    ) -> tuple[IngestReport, dict[str, PageValidators], bool]:
        """Every item's page: new ones fetched, ones taken before fetched conditionally (an
        unchanged page answers 304 and costs nothing; an edited one updates its article).
        At most MAX_ITEMS_PER_REFRESH pages, new ones first; True when new ones were left."""
        feed = parse_feed(body, url)
        failed = [Problem(url, why) for why in feed.skipped]
        new = [item for item in feed.items if item.link not in seen]
        known = [item for item in feed.items if item.link in seen]
        articles: list[Article] = []
        taken: dict[str, PageValidators] = {}
        unchanged = 0
        for item in (new + known)[:MAX_ITEMS_PER_REFRESH]:
            before = seen.get(item.link, PageValidators())
            try:
                page = self.fetcher.get(item.link, before.etag, before.last_modified)
                if page.not_modified:
                    unchanged += 1
                    continue
                articles.append(
                    article_from_page(
                        page.text(), page.url, source, title=item.title, published=item.published
                    )
                )
                taken[item.link] = PageValidators(page.etag, page.last_modified)
            except (FetchError, NotAnArticle) as exc:
                failed.append(Problem(item.link, str(exc)))
        report = self.ingestor.ingest_articles(articles) if articles else IngestReport()
        report.unchanged += unchanged
        report.failed[:0] = failed
        return report, taken, len(new) > MAX_ITEMS_PER_REFRESH  # new items still to take


def _failed(where: str, reason: str) -> IngestReport:
    report = IngestReport()
    report.failed.append(Problem(where, reason))
    return report
