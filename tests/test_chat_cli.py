"""`newsbot chat` as a user runs it, from a pipe and at a terminal, over the real seeds index."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pexpect
import pytest

from bot.answer import AnswerService, CitationContext
from bot.cli.answer import print_answer
from bot.cli.chat import print_passage
from bot.cli.common import out
from bot.container import Archive, build_service
from bot.models import Answer, Citation, Turn

WHO = "Who met in Saudi Arabia?"
WHEN = "When did they meet?"  # a follow-up: alone, it names no one
ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[=>])")


def flat(text: str) -> str:
    """Text with terminal escapes dropped and the line wrapping undone."""
    return " ".join(ANSI.sub("", text).replace("\r", "").split())


@pytest.fixture(scope="module")
def service(seeds_archive: Archive) -> AnswerService:
    """The same answering service the command builds, to say what it should print (left open:
    closing it would close the shared archive)."""
    return build_service(seeds_archive.settings, seeds_archive)


@pytest.fixture
def chat_env(seeds_archive: Archive) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    return {**env, "NEWSBOT_DATA_DIR": str(seeds_archive.settings.data_dir), "COLUMNS": "100"}


def chat(env: dict[str, str], lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot.cli", "chat", *args]
    return subprocess.run(command, input=lines, env=env, capture_output=True, text=True)


def said(answer: Answer) -> str:
    return flat(answer.answer)


def test_a_pipe_gets_each_answer_in_its_conversation(
    chat_env: dict[str, str], service: AnswerService
) -> None:
    first = service.answer(WHO)
    follow_up = service.answer(WHEN, history=[Turn(WHO, first.answer)])
    alone = service.answer(WHEN)
    assert said(follow_up) != said(alone)  # else this test could not tell history from none

    result = chat(chat_env, f"{WHO}\n{WHEN}\n/source 1\n/new\n{WHEN}\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = flat(result.stdout)
    assert "newsbot chat" not in out and "> " not in result.stdout  # no banner, no prompts
    before_new, _, after_new = out.partition("(a new conversation")
    assert said(first) in before_new and said(follow_up) in before_new
    assert "February 18" in follow_up.citations[0].quote
    assert said(alone) in after_new and said(follow_up) not in after_new
    # both answers list their sources, numbered from 1, and /source 1 heads its passage so too
    assert result.stdout.count("\n[1] ") == 3 and f"{follow_up.citations[0].article_id})" in out


def test_the_source_command_shows_the_quote_in_its_article(
    chat_env: dict[str, str], service: AnswerService
) -> None:
    follow_up = service.answer(WHEN, history=[Turn(WHO, service.answer(WHO).answer)])
    cited = follow_up.citations[0]
    passage = service.citation(cited.id)
    assert passage is not None
    env = {**chat_env, "NEWSBOT_PUBLIC_URL": "https://news.example.org"}
    declined = "Who won the 2022 FIFA World Cup?\n/source 1\n"
    result = chat(env, f"{declined}{WHO}\n{WHEN}\n/source 1\n/source 7\n/source\n/sorce 1\n")
    assert result.returncode == 0, result.stderr
    shown = flat(result.stdout).rpartition(f"[1] {flat(cited.title)}")[2]
    assert flat(passage.quote) in shown and f"https://news.example.org/c/{cited.id}" in shown
    assert flat(passage.before)[-40:] in shown and flat(passage.after)[:40] in shown
    errors = flat(result.stderr)
    assert errors.count("usage: /source N, where N is") == 2
    assert "unknown command /sorce: /help lists them" in errors
    assert "the last answer cites no sources" in errors


def test_a_pipe_stops_at_quit_and_commands_need_an_answer_first(chat_env: dict[str, str]) -> None:
    lines = f"/source 1\n/help\n\udcff{WHO}\n/quit\n{WHEN}\n".encode(errors="surrogateescape")
    command = [sys.executable, "-m", "bot.cli", "chat"]
    result = subprocess.run(command, input=lines, env=chat_env, capture_output=True)
    assert result.returncode == 0, result.stderr
    stdout, stderr = result.stdout.decode(), result.stderr.decode()
    assert "ask a question first" in stderr and "/new" in stdout
    assert stdout.count("\n[1] ") == 1  # the question with a stray byte; none after /quit


def test_llm_without_an_llm_names_the_setting(chat_env: dict[str, str]) -> None:
    result = chat(chat_env, f"{WHO}\n", "--llm")
    assert result.returncode == 2 and result.stdout == ""
    assert "'llm' is not available" in result.stderr and "NEWSBOT_LLM_URL" in flat(result.stderr)


def test_bad_options_are_messages(chat_env: dict[str, str]) -> None:
    result = chat(chat_env, f"{WHO}\n", "--after", "March")
    assert result.returncode == 2 and "2005-03-01" in result.stderr


def test_filters_apply_to_every_question(chat_env: dict[str, str]) -> None:
    result = chat(chat_env, f"{WHO}\n{WHEN}\n", "--source", "elsewhere")
    assert result.returncode == 0
    assert flat(result.stdout).count("No articles match source=elsewhere.") == 2


LEFT, UP = "\x1b[D", "\x1b[A"


def test_a_terminal_gets_a_prompt_line_editing_and_history(
    chat_env: dict[str, str], service: AnswerService
) -> None:
    first = service.answer(WHO)
    follow_up = service.answer(WHEN, history=[Turn(WHO, first.answer)])
    passage = service.citation(follow_up.citations[0].id)
    assert passage is not None and "February 18" in follow_up.citations[0].quote
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat"],
        env={**chat_env, "TERM": "xterm"},
        encoding="utf-8",
        dimensions=(50, 200),
        timeout=120,
        # a terminal's Ctrl-C interrupts: a test run in the background (nohup, &) ignores
        # SIGINT, and a child would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        child.expect("Ctrl-D to leave")
        child.expect_exact("> ")
        child.sendline(WHO)
        child.expect_exact("[1] ")
        child.expect_exact("> ")
        child.sendline(WHEN)
        child.expect(r"February\s+18")  # mid-quote now, where a line may wrap
        child.expect_exact("> ")
        child.sendline("/source 1")
        child.expect_exact("> ")
        assert flat(passage.quote) in flat(child.before)
        # Ctrl-C drops the line being typed: what follows is a fresh line
        child.send("Who met")
        # once readline has echoed it: keys and Ctrl-C sent in one go race inside CPython's
        # readline loop, which notices a signal only while it waits for input
        child.expect_exact("Who met")
        child.sendintr()
        child.expect_exact("> ")
        # line editing: "/hlp", two steps left, "e" → "/help"
        child.send("/hlp" + LEFT + LEFT + "e\r")
        child.expect_exact("/source N")
        child.expect_exact("> ")
        child.send(UP + "\r")  # the line before, again
        child.expect_exact("/source N")
        child.expect_exact("> ")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_article_text_cannot_drive_the_terminal_or_become_markup() -> None:
    """Escape sequences (here: retitle the window, clear the screen) are dropped; rich markup
    and emoji codes in an article are shown as the text they are."""
    hostile = "Talks \x1b]0;owned\x07resume :fire: [red]now[/red]\x1b[2J\x9b31m end"
    cited = Citation(
        1, "0000000000000001:0-10", "art-1", hostile, "bbc", "https://x.example/a", None,
        hostile, 0, 10, 1.0,
    )  # fmt: skip
    passage = CitationContext(
        id=cited.id, article_id="art-1", title=hostile, source="bbc", url="", published=None,
        quote=hostile, start=0, end=10, before=hostile, after=hostile,
    )  # fmt: skip
    with out.capture() as captured:
        print_answer(Answer(f"{hostile} [1]", True, [cited]))
        print_passage(1, passage)
    text = captured.get()
    assert "\x1b]" not in text and "\x07" not in text and "\x1b[2J" not in text
    assert "\x9b" not in text
    # What is left of each sequence is inert text; answer, title, and title + quote ×3 in /source
    assert flat(text).count("Talks ]0;ownedresume :fire: [red]now[/red][2J31m end") == 6
