"""`newsbot ask` and `newsbot eval` as a user runs them, over the real seeds index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.container import Archive

TALKS = "003_8e9a2609f1a46fa1.txt"
PEACE_TALKS = "001_bbca088b89569488.txt"
runner = CliRunner()


@pytest.fixture
def seeds_env(seeds_archive: Archive, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """Point the CLI at the seeds index, whatever the developer's environment says."""
    for name in ("NEWSBOT_LLM_URL", "NEWSBOT_ANSWER_MIN_SCORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(seeds_archive.settings.data_dir))
    return seeds_archive


def test_ask_json(seeds_env: Archive) -> None:
    result = runner.invoke(app, ["ask", "Who is Russia's foreign minister?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["answerable"] and "Lavrov" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["n"] == 1 and cited["article_id"] == TALKS
    article = seeds_env.catalog.article(TALKS)
    assert article is not None and article.text[cited["start"] : cited["end"]] == cited["quote"]
    assert set(answer["timings_ms"]) >= {"retrieve", "compose", "total"}


def test_ask_prints_answer_then_numbered_sources(seeds_env: Archive) -> None:
    result = runner.invoke(app, ["ask", "Where did European leaders meet to coordinate?"])
    assert result.exit_code == 0, result.output
    answer_part, _, sources = result.stdout.partition("\n\n[1] ")
    assert "Paris" in answer_part and "[1]" in answer_part
    assert TALKS in sources and "European leaders" not in sources  # said once, in the answer


def test_ask_links_each_source_and_never_prints_a_sentence_twice(
    seeds_env: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://news.example.org/")
    asked = runner.invoke(app, ["ask", "Who is Russia's foreign minister?", "--json"])
    cited = json.loads(asked.stdout)["citations"][0]
    result = runner.invoke(app, ["ask", "Who is Russia's foreign minister?"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"https://news.example.org/c/{cited['id']}" in said
    sentence = " ".join(cited["quote"].split()).rstrip(".")
    assert said.count(sentence) == 1  # quoted in the answer, not again under the source


def test_ask_declines_and_filters(seeds_env: Archive) -> None:
    nothing = runner.invoke(app, ["ask", "Who won the 2022 FIFA World Cup?", "--json"])
    assert json.loads(nothing.stdout)["answerable"] is False
    filtered = runner.invoke(
        app, ["ask", "Who is Russia's foreign minister?", "--source", "elsewhere", "--json"]
    )
    assert json.loads(filtered.stdout)["citations"] == []


def test_ask_errors_are_messages(seeds_env: Archive) -> None:
    llm = runner.invoke(app, ["ask", "Who is Russia's foreign minister?", "--llm"])
    assert llm.exit_code == 2 and "'llm' is not available" in llm.stderr
    assert "NEWSBOT_LLM_URL" in llm.stderr  # what to set, not just what is missing
    bad_date = runner.invoke(app, ["ask", "Who?", "--after", "March"])
    assert bad_date.exit_code == 2 and "2005-03-01" in bad_date.stderr
    empty = runner.invoke(app, ["ask", "  "])
    assert empty.exit_code == 2 and "empty" in empty.stderr


def test_eval_and_calibrate(seeds_env: Archive, tmp_path: Path) -> None:
    labelled = tmp_path / "q.jsonl"
    rows = [
        {"q": "Who is Russia's foreign minister?", "answer_any": ["Lavrov"],
         "sources": [TALKS], "answerable": True},
        {"q": "Where did Trump and Putin meet?", "answer_any": ["Alaska"],
         "sources": ["002_c5ccbac007a06862.txt"], "answerable": True},
        # names what the archive names, so only the threshold declines it (calibrated below)
        {"q": "How tall is Marco Rubio?", "answerable": False},
        {"q": "Why would sending international peacekeepers help?",
         "answer_any": ["prevent further escalation"], "sources": [PEACE_TALKS],
         "answerable": True},
    ]  # fmt: skip
    labelled.write_text("\n".join(json.dumps(r) for r in rows))
    result = runner.invoke(app, ["eval", str(labelled), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["questions"] == 4 and report["unanswerable_declined"] == 1.0
    assert report["answer_accuracy"] == 1.0 and report["latency_p95_ms"] > 0
    plain = runner.invoke(app, ["eval", str(labelled)])
    assert "answer accuracy" in plain.stdout and "latency p50" in plain.stdout
    calibrated = runner.invoke(app, ["eval", str(labelled), "--calibrate", "--json"])
    found = json.loads(calibrated.stdout)
    facts, statements = found["facts"], found["statements"]
    assert facts["accuracy"] == 1.0 and facts["questions"] == 3 and facts["threshold"] > 0
    assert statements["accuracy"] == 1.0 and statements["questions"] == 1
    said = runner.invoke(app, ["eval", str(labelled), "--calibrate"]).stdout
    assert "NEWSBOT_ANSWER_MIN_SCORE=" in said and "NEWSBOT_ANSWER_STATEMENT_MIN_SCORE=" in said


def test_eval_replays_follow_ups(seeds_env: Archive, tmp_path: Path) -> None:
    """--replay asks the earlier question itself, and the follow-up after the bot's answer."""
    labelled = tmp_path / "follow-ups.jsonl"
    row = {"q": "What did he stress?", "answer_any": ["end the war"], "sources": [TALKS],
           "answerable": True,
           "history": [{"question": "Who is the Hungarian foreign minister?",
                        "answer": "It is not said."}]}  # fmt: skip
    labelled.write_text(json.dumps(row))
    result = runner.invoke(app, ["eval", str(labelled), "--replay", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["questions"] == 1 and report["answer_accuracy"] == 1.0


def test_eval_bad_file(seeds_env: Archive, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "fine"}\nnot json\n')
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2 and "bad.jsonl:2" in result.stderr
