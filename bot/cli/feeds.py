"""`newsbot feeds add|list|remove|refresh` and `newsbot watch` (registered in `bot.cli`)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli.common import fail, opened_archive, out
from bot.settings import Settings
from index.ingestion.feeds import parse_every
from index.ingestion.fetch import FetchError, check_url

feeds = typer.Typer(
    help="Follow RSS and Atom feeds: their new articles are ingested as they appear."
)


@feeds.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's address (RSS or Atom).")],
    source: Annotated[
        str | None, typer.Option(help="Source name of its articles (default: each page's site).")
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(help="How often to check it: 30m, 2h, 1d [default: NEWSBOT_FEED_EVERY]."),
    ] = None,
) -> None:
    """Follow a feed; `newsbot serve` and `newsbot watch` check it when it is due."""
    settings = Settings()
    try:
        check_url(url)
        seconds = parse_every(every or settings.feed_every)
    except (FetchError, ValueError) as exc:
        raise fail(str(exc)) from None
    with opened_archive(settings) as archive:
        added = archive.feeds.add(url, source or "", seconds)
    verb = "following" if added else "updated"
    out.print(f"{verb} {escape(url)} (every {every or settings.feed_every})", highlight=False)


@feeds.command("list")
def list_feeds(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The feeds followed, with when each was last checked, its last error and next try."""
    with opened_archive() as archive:
        found = archive.feeds.all()
    if as_json:
        out.print_json(json.dumps({"feeds": [f.as_dict() for f in found]}))
        return
    if not found:
        out.print("no feeds: add one with `newsbot feeds add URL`")
    for f in found:
        state = (
            f"[red]failing ({f.failures}×): {escape(f.last_error)}[/red]" if f.failures else "ok"
        )
        out.print(f"[bold]{escape(f.url)}[/bold]  {escape(f.source or 'site names')}")
        out.print(
            f"    {state} · {f.articles} articles · last checked {_when(f.last_checked)}"
            f" · next {_when(f.next_due)}",
            highlight=False,
        )


@feeds.command("remove")
def remove(url: Annotated[str, typer.Argument(help="The feed's address.")]) -> None:
    """Stop following a feed (its articles stay in the archive)."""
    with opened_archive() as archive:
        removed = archive.feeds.remove(url)
    if not removed:
        raise fail(f"not following {url}")
    out.print(f"no longer following {escape(url)}", highlight=False)


@feeds.command("refresh")
def refresh(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    all_feeds: Annotated[bool, typer.Option("--all", help="Every feed, due or not.")] = False,
) -> None:
    """Check the feeds that are due (or all) once, now."""
    with opened_archive() as archive:
        chosen = archive.feeds.all() if all_feeds else archive.feeds.due()
        done = [archive.web.refresh(f) for f in chosen]
    if as_json:
        rows = [
            {"url": d.url, "error": d.error, "not_modified": d.not_modified, **d.report.as_dict()}
            for d in done
        ]
        out.print_json(json.dumps({"feeds": rows}))
        return
    for d in done:
        if d.error:
            out.print(f"[red]{escape(d.url)}[/red]: {escape(d.error)}", highlight=False)
        elif d.not_modified:
            out.print(f"{escape(d.url)}: unchanged", highlight=False)
        else:
            r = d.report
            out.print(
                f"{escape(d.url)}: new {r.new} · updated {r.updated} · failed {len(r.failed)}",
                highlight=False,
            )
            for problem in r.failed:
                out.print(
                    f"  [yellow]skipped[/yellow] {escape(problem.where)}: {escape(problem.reason)}"
                )


def watch() -> None:
    """Keep the feeds current: check the due ones every NEWSBOT_FEED_CHECK_S until Ctrl-C."""
    from bot.feed_watch import watch as watch_feeds

    settings = Settings()
    with opened_archive(settings) as archive:
        out.print(f"watching {len(archive.feeds.all())} feeds (Ctrl-C stops)")
        watch_feeds(archive.web, settings.feed_check_s)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    moment = datetime.fromtimestamp(stamp).astimezone()
    ahead = stamp - time.time()
    if 0 < ahead < 86_400:
        return f"in {int(ahead // 60)} min"
    return moment.strftime("%Y-%m-%d %H:%M")
