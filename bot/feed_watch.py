"""Keeping feeds current: a scheduler (APScheduler) that refreshes the feeds that are due."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from index.ingestion.web_ingest import FeedRefresh, WebIngest

log = logging.getLogger("newsbot.feeds")


def refresh_due(web: WebIngest) -> list[FeedRefresh]:
    """One round: every due feed refreshed and logged; nothing here ever raises."""
    try:
        done = web.refresh_due()
    except Exception:  # the watcher must outlive anything one round meets
        log.exception("refreshing feeds failed")
        return []
    for feed in done:
        if feed.error:
            log.warning("feed %s: %s", feed.url, feed.error)
        elif not feed.not_modified:
            log.info("feed %s: %d new, %d updated", feed.url, feed.report.new, feed.report.updated)
    return done


def start_in_background(web: WebIngest, every_s: float) -> BackgroundScheduler:
    """Refresh due feeds now and every `every_s` seconds in a thread (`newsbot serve`)."""
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        refresh_due, "interval", seconds=every_s, args=[web], max_instances=1, coalesce=True,
        next_run_time=_now(),
    )  # fmt: skip
    scheduler.start()
    return scheduler


def watch(web: WebIngest, every_s: float) -> None:
    """Refresh due feeds every `every_s` seconds until interrupted (`newsbot watch`)."""
    scheduler = BlockingScheduler()
    scheduler.add_job(
        refresh_due, "interval", seconds=every_s, args=[web], max_instances=1, coalesce=True,
        next_run_time=_now(),
    )  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def _now() -> datetime:
    return datetime.now().astimezone()
