"""`newsbot feedback export`: Discord votes as `newsbot eval` questions (see `bot.cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import err, fail, out
from bot.discord_bot.feedback import FeedbackStore, VoteFilter
from bot.settings import Settings

feedback = typer.Typer(help="Votes and reasons given on Discord answers.", no_args_is_help=True)


@feedback.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output).")
    ] = None,
    votes: Annotated[
        VoteFilter, typer.Option(help="Which votes: down (what to fix), up, or all.")
    ] = "down",
) -> None:
    """Write votes as JSON lines in the `newsbot eval` format, the vote, reason and answer under
    "feedback"; fill in `answer_any`/`sources` of 👎 questions to make them test questions."""
    path = Settings().discord_feedback_path
    if not path.exists():
        raise fail(f"no feedback has been recorded yet ({path} does not exist)")
    store = FeedbackStore(path)
    try:
        records = list(store.export(votes))
    finally:
        store.close()
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    text = "".join(f"{line}\n" for line in lines)
    if output is None:
        out.file.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror or exc}") from exc
    unlabelled = sum(r["answerable"] and not r["answer_any"] and not r["sources"] for r in records)
    err.print(f"{len(lines)} question{'s' * (len(lines) != 1)} exported ({votes} votes)")
    if unlabelled:  # such a line counts any answer as right: it tests nothing yet
        err.print(f"{unlabelled} to label: fill in answer_any or sources before `newsbot eval`")
