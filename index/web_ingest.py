"""Ingest from the web: an article page, or a feed and the pages its items link to.

Every failure is reported where it happened (the feed's status, the item's link) while the rest
keeps ingesting: a feed that cannot be fetched or parsed is marked failed and retried later
(FeedStore backs off), an item whose page fails is left for the next refresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from index.articles import Article
from index.feeds import FeedState, FeedStore
from index.fetch import Fetcher, FetchError
from index.ingest import Ingestor, IngestReport
from index.loaders import Problem
from index.web_articles import NotAnArticle, article_from_page, looks_like_feed, parse_feed

log = logging.getLogger("newsbot.feeds")
MAX_ITEMS_PER_REFRESH = 100  # pages fetched from one feed per refresh, newest first


@dataclass
class FeedRefresh:
    """What one refresh of one feed did."""

    url: str
    report: IngestReport = field(default_factory=IngestReport)
    error: str = ""  # the feed itself failed (its items were not read)
    not_modified: bool = False


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
            return self._take_feed(url, fetched.body, source or "", seen=set())[0]
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
                self.feeds.succeeded(feed.url, feed.etag, feed.last_modified, [])
                done.not_modified = True
                return done
            if not looks_like_feed(fetched.content_type, fetched.body):
                kind = fetched.content_type.split(";")[0] or "no content type"
                raise NotAnArticle(f"{feed.url}: served {kind}, not an RSS or Atom feed")
            seen = self.feeds.seen(feed.url)
            done.report, taken = self._take_feed(feed.url, fetched.body, feed.source, seen)
        except (FetchError, NotAnArticle) as exc:
            done.error = str(exc)
            done.report.failed.append(Problem(feed.url, str(exc)))
            self.feeds.failed(feed.url, str(exc))
            log.warning("feed %s failed: %s", feed.url, exc)
            return done
        self.feeds.succeeded(feed.url, fetched.etag, fetched.last_modified, taken)
        return done

    def refresh_due(self) -> list[FeedRefresh]:
        """Refresh every feed that is due; one feed's failure never stops the others."""
        return [self.refresh(feed) for feed in self.feeds.due()]

    def _take_feed(
        self, url: str, body: bytes, source: str, seen: set[str]
    ) -> tuple[IngestReport, list[str]]:
        feed = parse_feed(body, url)
        failed = [Problem(url, why) for why in feed.skipped]
        fresh = [item for item in feed.items if item.link not in seen][:MAX_ITEMS_PER_REFRESH]
        articles: list[Article] = []
        taken: list[str] = []
        for item in fresh:
            try:
                page = self.fetcher.get(item.link)
                articles.append(
                    article_from_page(
                        page.text(), page.url, source, title=item.title, published=item.published
                    )
                )
                taken.append(item.link)
            except (FetchError, NotAnArticle) as exc:
                failed.append(Problem(item.link, str(exc)))
        report = self.ingestor.ingest_articles(articles) if articles else IngestReport()
        report.failed[:0] = failed
        return report, taken


def _failed(where: str, reason: str) -> IngestReport:
    report = IngestReport()
    report.failed.append(Problem(where, reason))
    return report
