"""The `newsbot` command line; errors become short messages and an exit code here, nowhere else."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bot.cli import answer as cli_answer
from bot.cli import chat as cli_chat
from bot.cli import feedback as cli_feedback
from bot.cli import feeds as cli_feeds
from bot.cli.common import err, expected_errors, fail, opened_archive, out, search_filters
from bot.settings import Settings
from index.ingestion.ingest import IngestReport
from index.ingestion.ingest import Progress as IngestProgress

app = typer.Typer(
    help="Ask a news archive questions; every answer cites the exact passage.",
    no_args_is_help=True,
    add_completion=False,
)
T = TypeVar("T")


class _BarProgress(IngestProgress):
    """An ingest progress bar: files, chunks embedded and chunks per second."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("[bold]ingest[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks · {task.fields[rate]} chunks/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        self._task: Any = None
        self._chunks = 0

    def start(self, total_files: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("ingest", total=total_files, chunks=0, rate="0")

    def advance(self, files: int, chunks: int) -> None:
        self._chunks += chunks
        elapsed = self._bar.tasks[0].elapsed or 0
        rate = f"{self._chunks / elapsed:.0f}" if elapsed > 0 else "0"
        self._bar.update(self._task, advance=files, chunks=self._chunks, rate=rate)

    def finish(self) -> None:
        self._bar.stop()


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files or folders of articles, or http(s) URLs of pages or feeds."),
    ],
    prune: Annotated[
        bool, typer.Option(help="Remove articles whose files under PATHS are gone.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            help="Source name of these articles (default: the folder's name; a JSON "
            "article's own 'source' wins)."
        ),
    ] = None,
    id_prefix: Annotated[
        str, typer.Option(help="Put this before every id (ids are paths under the folders).")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add or update articles; unchanged ones are skipped, bad files reported and skipped.

    Ids are paths relative to the folder given (to the folder holding them all when several
    are given), so no two files of one ingest share one; an id already holding other text
    from another file is reported as a conflict and never replaced. A URL is read once (a page,
    or every item of a feed); `newsbot feeds add` follows a feed."""
    urls = [p for p in paths if p.startswith(("http://", "https://"))]
    files = [Path(p) for p in paths if p not in urls]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    with opened_archive() as archive:
        progress = _BarProgress() if err.is_terminal and not as_json else None
        report = IngestReport()
        if files:
            report = archive.ingestor.ingest_paths(
                files, prune=prune, progress=progress, source=source, id_prefix=id_prefix
            )
        for url in urls:
            report.add(archive.web.ingest_url(url, source))
        stats = archive.stats()
    if as_json:
        out.print_json(json.dumps({**report.as_dict(), "totals": stats}))
    else:
        _print_report(report, stats)
    if report.ingested == 0 and report.failed:
        raise typer.Exit(1)


def _print_report(report: IngestReport, stats: dict[str, object]) -> None:
    out.print(
        f"new {report.new} · updated {report.updated} · unchanged {report.unchanged} · "
        f"duplicate {report.duplicate} · pruned {report.pruned} · failed {len(report.failed)} "
        f"· conflicts {len(report.conflicts)} · {report.chunks_added} chunks added in "
        f"{report.seconds:.1f}s"
    )
    for problem in report.conflicts:
        out.print(f"  [red]conflict[/red] {problem.where}: {problem.reason}", highlight=False)
    for problem in report.failed:
        out.print(f"  [yellow]skipped[/yellow] {problem.where}: {problem.reason}")
    for problem in report.warnings:
        out.print(f"  [yellow]warning[/yellow] {problem.where}: {problem.reason}")
    out.print(f"archive: {stats['articles']} articles, {stats['chunks']} chunks")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=100)] = 5,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    after: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    before: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """The best passages for a query (dense + BM25, fused), one per story."""
    filters = search_filters(source, after, before)
    with opened_archive() as archive:
        passages = archive.retriever.search(query, top_k=top_k, filters=filters)
    rows = [p.as_dict() for p in passages]
    if as_json:
        out.print_json(json.dumps({"query": query, "results": rows}))
        return
    if not rows:
        out.print("no passages found")
    for n, row in enumerate(rows, start=1):
        out.print(
            f"[bold]{n}. {row['title']}[/bold]  ({row['article_id']} {row['start']}–{row['end']})"
        )
        out.print(f"   {row['text']}", highlight=False)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of articles, chunks and duplicates, and where the index lives."""
    with opened_archive() as archive:
        numbers = archive.stats()
    if as_json:
        out.print_json(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            out.print(f"{key:16} {value}")


@app.command()
def sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The archive's sources: how many articles each holds, and their oldest and newest dates."""
    with opened_archive() as archive:
        found = archive.catalog.sources()
    if as_json:
        out.print_json(json.dumps({"sources": [asdict(s) for s in found]}))
        return
    if not found:
        out.print("the archive is empty: add articles with `newsbot ingest PATH`")
    for s in found:
        dates = f"{s.oldest} … {s.newest}" if s.oldest else "no dates"
        undated = f", {s.undated} undated" if s.undated and s.oldest else ""
        out.print(f"{s.name:24} {s.articles:6} articles  {dates}{undated}", highlight=False)


app.add_typer(cli_feeds.feeds, name="feeds")
app.add_typer(cli_feedback.feedback, name="feedback")
app.command("watch")(cli_feeds.watch)
app.command("ask")(cli_answer.ask)
app.command("chat")(cli_chat.chat)
app.command("eval")(cli_answer.evaluate)


@app.command("discord")
def discord_bot() -> None:
    """Run the Discord bot (token from DISCORD_TOKEN; see docs/discord.md)."""
    from bot.discord_bot.runner import run_bot

    with expected_errors():
        run_bot(Settings())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address [default: NEWSBOT_API_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: NEWSBOT_API_PORT].")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes [default: NEWSBOT_API_WORKERS].")
    ] = None,
) -> None:
    """Serve the REST API (docs at /docs) until Ctrl-C."""
    from bot.api.server import serve as run_server

    settings = Settings()
    with expected_errors():
        run_server(
            settings,
            host=host or settings.api_host,
            port=port or settings.api_port,
            workers=workers or settings.api_workers,
        )


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    app(prog_name="newsbot")


if __name__ == "__main__":
    main()
