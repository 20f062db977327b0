"""The `newsbot ask` and `newsbot eval` commands (registered on the app in `bot.cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.answer import CitationContext
from bot.cli.common import fail, opened_service, out, search_filters, shown
from bot.errors import NewsbotError
from bot.evaluation import (
    EvalReport,
    LabelledQuestion,
    calibrate_by_kind,
    load_questions,
    reading_diagnosis,
    replayed,
    run,
    summarise,
    with_stored_ids,
)
from bot.links import citation_page, safe_url
from bot.models import Answer, Citation
from bot.settings import Settings


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    llm: Annotated[bool, typer.Option("--llm", help="Compose the answer with the LLM.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    after: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    before: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")] = None,
) -> None:
    """Answer a question from the archive, citing the exact passages."""
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    filters = search_filters(source, after, before)
    settings = Settings()
    with opened_service(settings) as service:
        answer = service.answer(question, filters=filters, mode="llm" if llm else None)
    if as_json:
        out.print_json(json.dumps(answer.as_dict()))
    else:
        print_answer(answer, settings.public_url)


def print_answer(answer: Answer, public_url: str = "") -> None:
    """The answer, then each source: headline, outlet and date, its URL and citation page,
    and its quote when the answer does not already say it word for word."""
    rest = answer.after_short_answer()
    if answer.short_answer is not None and rest is not None:
        short = shown(answer.short_answer.text)
        out.print(f"[bold]{short}[/bold]: {shown(rest)}", highlight=False)
    else:
        out.print(shown(answer.answer), highlight=False)
    if answer.citations:
        out.print()
    plain = " ".join(answer.answer.split())
    for c in answer.citations:
        print_source_head(c.n, c, public_url)
        quote = " ".join(c.quote.split())
        if quote.rstrip(".!?") not in plain:
            out.print(f"    “{shown(c.quote)}”", highlight=False)


def print_source_head(n: int, cited: Citation | CitationContext, public_url: str = "") -> None:
    """`[n] Headline  (outlet · date · article id)`, then its URL and citation page."""
    outlet = cited.source if cited.source != cited.article_id else ""  # old indexes: a path
    facts = " · ".join(p for p in (outlet, cited.published, cited.article_id) if p)
    out.print(f"[bold]\\[{n}] {shown(cited.title)}[/bold]  ({shown(facts)})", highlight=False)
    for link in (safe_url(cited.url), citation_page(public_url, cited.id)):
        if link:
            out.print(f"    {shown(link)}", highlight=False, soft_wrap=True)


# what `newsbot eval --calibrate` calls each kind of question, and the setting it tunes
CALIBRATED = {
    "facts": ("questions asking for a fact", "NEWSBOT_ANSWER_MIN_SCORE"),
    "statements": ("why, what and yes/no questions", "NEWSBOT_ANSWER_STATEMENT_MIN_SCORE"),
}


def evaluate(
    files: Annotated[list[Path], typer.Argument(help="Labelled question files (JSONL).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    calibrate_threshold: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Find the decline thresholds (answer_min_score for facts, "
            "answer_statement_min_score for why / what / yes-no) that fit best.",
        ),
    ] = False,
    llm: Annotated[bool, typer.Option("--llm", help="Evaluate the LLM composer.")] = False,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Ask each follow-up after the bot's own answers to its earlier questions "
            "(as users meet it), not the labelled answers.",
        ),
    ] = False,
) -> None:
    """Run labelled questions against the current index: accuracy, citations, declines, latency."""
    settings = Settings()
    try:
        questions = [q for path in files for q in load_questions(path)]
    except NewsbotError as exc:
        raise fail(str(exc)) from exc
    if calibrate_threshold:
        settings = settings.model_copy(
            update={"answer_min_score": 0.0, "answer_statement_min_score": 0.0}
        )
    mode = "llm" if llm else None
    with opened_service(settings) as service:
        service.answer("warm up the model and the indexes")

        def ask_one(q: LabelledQuestion) -> Answer:
            return service.answer(q.q, history=list(q.history), mode=mode)

        questions = [with_stored_ids(service, q) for q in questions]
        if replay:
            questions = replayed(
                questions, lambda q, history: service.answer(q, history=history, mode=mode)
            )
        diagnose = None if llm else reading_diagnosis(service)
        outcomes = run(ask_one, questions, diagnose)
    if calibrate_threshold:
        found = calibrate_by_kind(outcomes)
        if as_json:
            out.print_json(json.dumps({kind: c.__dict__ for kind, c in found.items()}))
            return
        for kind, c in found.items():
            out.print(
                f"{CALIBRATED[kind][0]}: best threshold {c.threshold} gives accuracy "
                f"{c.accuracy:.1%} over {c.questions} questions (so does any above {c.low} up "
                f"to {c.high}); set {CALIBRATED[kind][1]}={c.threshold}"
            )
        return
    report = summarise(outcomes)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        print_report(report)


def print_report(report: EvalReport) -> None:
    out.print(
        f"{report.questions} questions ({report.answerable} answerable, "
        f"{report.unanswerable} unanswerable)"
    )
    rows = [
        ("answer accuracy", f"{report.answer_accuracy:.1%}"),
        ("citation precision", f"{report.citation_precision:.1%}"),
        ("citation recall", f"{report.citation_recall:.1%}"),
        ("decline accuracy", f"{report.decline_accuracy:.1%}"),
        ("unanswerable declined", f"{report.unanswerable_declined:.1%}"),
        ("overall accuracy", f"{report.accuracy:.1%}"),
        ("latency p50", f"{report.latency_p50_ms:.0f} ms"),
        ("latency p95", f"{report.latency_p95_ms:.0f} ms"),
    ]
    for name, value in rows:
        out.print(f"{name:22} {value}")
    out.print(f"{'answered wrongly':22} {report.answered_wrongly:.1%}")
    if report.by_type:
        out.print()
        out.print(f"{'type':14}{'questions':>10}{'right':>8}{'wrong':>8}{'declined':>10}"
                  f"{'unanswerable declined':>24}")  # fmt: skip
        for kind, row in report.by_type.items():
            unanswerable = f"{row['unanswerable_declined']}/{row['unanswerable']}"
            out.print(
                f"{kind:14}{row['questions']:>10}{row['right']:>8}{row['wrong']:>8}"
                f"{row['declined']:>10}{unanswerable:>24}"
            )
    if report.causes:
        causes = ", ".join(f"{cause} {n}" for cause, n in sorted(report.causes.items()))
        out.print(f"misses on answerable questions: {causes}")
    for failure in report.failures:
        out.print(f"[yellow]wrong[/yellow] {shown(failure['q'])}", highlight=False)
        out.print(f"    → {shown(failure['answer'][:200])}", highlight=False)
        if failure.get("cause"):
            out.print(f"    ({failure['cause']})", highlight=False)
