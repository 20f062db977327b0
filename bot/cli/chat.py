"""`newsbot chat`: a conversation in the terminal with the models loaded once (see bot.cli)."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from bot.answer import AnswerService, CitationContext
from bot.cli.answer import print_answer, print_source_head
from bot.cli.common import (
    err,
    expected_errors,
    opened_service,
    out,
    plain,
    search_filters,
)
from bot.errors import NewsbotError
from bot.models import Answer, Turn
from bot.settings import Settings
from index.search.retrieval import SearchFilters
from index.store import StoreUnavailable

PROMPT = "> "
CONTEXT_CHARS = 300  # article text shown either side of a quote by /source
HELP = """\
Ask a question; ask a follow-up and it is read with the conversation so far.
  /source N   the passage source [N] of the last answer cites, with the text around it
  /new        forget the conversation and start a new one
  /help       this list
  /quit       leave (Ctrl-D does too; Ctrl-C cancels the line or the answer being made)"""
COMMANDS = ("/source", "/new", "/help", "/quit")


@dataclass
class Conversation:
    """One terminal conversation: its turns, the last answer's sources, and the slash commands."""

    service: AnswerService
    filters: SearchFilters
    mode: str | None = None
    keep_turns: int = 6  # earlier turns a follow-up is read with (NEWSBOT_CONVERSATION_TURNS)
    public_url: str = ""
    turns: list[Turn] = field(default_factory=list)
    last: Answer | None = None
    errors: int = 0  # questions that ended in an error rather than an answer

    def handle(self, line: str) -> bool:
        """Answer a question or run a command; False when the conversation should end."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            self.ask(line)
            return True
        command, _, argument = line.partition(" ")
        actions: dict[str, Callable[[str], None]] = {
            "/source": self.show_source,
            "/show": self.show_source,
            "/new": lambda _: self.forget(),
            "/help": lambda _: out.print(HELP, highlight=False),
        }
        if command.lower() in ("/quit", "/exit", "/q"):
            return False
        action = actions.get(command.lower())
        if action is None:
            err.print(f"unknown command {escape(command)}: /help lists them", highlight=False)
        else:
            action(argument.strip())
        return True

    def ask(self, question: str) -> None:
        history = self.turns[-self.keep_turns :] if self.keep_turns else []
        try:
            answer = self.service.answer(question, self.filters, history, self.mode)
        except (NewsbotError, StoreUnavailable) as exc:
            self.errors += 1
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            return
        self.turns.append(Turn(question, answer.answer))
        self.last = answer
        print_answer(answer, self.public_url)
        out.print()

    def forget(self) -> None:
        self.turns.clear()
        self.last = None
        out.print("(a new conversation: earlier questions are forgotten)", highlight=False)

    def show_source(self, argument: str) -> None:
        """The passage a source of the last answer cites, with the article text around it."""
        if self.last is None:
            err.print("no sources to show yet: ask a question first", highlight=False)
            return
        cited = self.last.citations
        if not cited:
            err.print("the last answer cites no sources", highlight=False)
            return
        n = argument.strip("[]")
        if not n.isdecimal() or not 1 <= int(n) <= len(cited):
            span = "1" if len(cited) == 1 else f"1 to {len(cited)}"
            err.print(f"usage: /source N, where N is {span}", highlight=False)
            return
        citation = cited[int(n) - 1]
        passage = self.service.citation(citation.id, CONTEXT_CHARS)
        if passage is None:
            err.print(
                f"source \\[{n}] is no longer in the archive (its article changed or was removed)",
                highlight=False,
            )
            return
        print_passage(int(n), passage, self.public_url)
        out.print()


def print_passage(n: int, passage: CitationContext, public_url: str = "") -> None:
    """A cited passage in bold inside the article text around it, trimmed to whole words."""
    print_source_head(n, passage, public_url)
    before, after = passage.before, passage.after
    if passage.start > len(before):  # the article goes on before: start at a whole word
        cut = re.search(r"\s", before)
        before = "…" + (before[cut.end() :] if cut else before)
    if len(after) == CONTEXT_CHARS:  # it goes on after: end at a whole word
        cut = re.search(r"\s\S*$", after)
        after = (after[: cut.start()] if cut else after) + "…"
    out.print(Text(plain(before)) + Text(plain(passage.quote), style="bold") + Text(plain(after)))


def read_lines(lines: Iterable[str], conversation: Conversation) -> None:
    """Piped input: each line a question or command, no prompts; stops at EOF or /quit."""
    for line in lines:
        if not conversation.handle(line):
            return


def read_terminal(conversation: Conversation) -> None:
    """A person at a terminal: a prompt with line editing and history; Ctrl-C drops the line or
    stops the answer being made, Ctrl-D leaves."""
    _line_editing()
    while True:
        try:
            line = input(PROMPT)
        except KeyboardInterrupt:
            out.print()
            continue
        except EOFError:
            out.print()
            return
        try:
            if not conversation.handle(line):
                return
        except KeyboardInterrupt:
            err.print("(stopped)", highlight=False)


def _line_editing() -> None:
    """GNU readline for input(): arrows, history within the session, Tab completes commands."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return

    def complete(text: str, state: int) -> str | None:
        found = [c + " " for c in COMMANDS if c.startswith(text)]
        return found[state] if state < len(found) else None

    readline.set_completer_delims(" \t\n")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def chat(
    llm: Annotated[bool, typer.Option("--llm", help="Compose the answers with the LLM.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    after: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    before: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")] = None,
) -> None:
    """Talk with the archive: ask, then follow up; /source N shows a passage, /help the rest.

    From a pipe, each line is a question or a command, answered in turn without prompts."""
    filters = search_filters(source, after, before)
    settings = Settings()
    mode = "llm" if llm else None
    interactive = sys.stdin.isatty()
    with opened_service(settings) as service:
        with expected_errors():
            service.composer(mode)  # an unconfigured mode ends the command now, not per question
        conversation = Conversation(
            service, filters, mode, settings.conversation_turns, settings.public_url
        )
        if interactive:
            _greet(service, mode)
            read_terminal(conversation)
        else:
            if isinstance(sys.stdin, io.TextIOWrapper):  # a stray byte is no reason to stop
                sys.stdin.reconfigure(errors="replace")
            read_lines(sys.stdin, conversation)
    if conversation.errors and not interactive:
        raise typer.Exit(1)


def _greet(service: AnswerService, mode: str | None) -> None:
    """Load the models before the first prompt, then say what is being asked and how to leave."""
    with err.status("loading the models…"):
        service.answer("warm up the models and the indexes", mode="extractive")
    articles = service.stats().get("articles", 0)
    out.print(
        f"newsbot chat · {articles} articles · {mode or service.default_mode} answers · "
        "/help for commands, Ctrl-D to leave",
        highlight=False,
        style="dim",
    )
