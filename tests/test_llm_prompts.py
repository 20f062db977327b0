"""The prompt templates in prompts/ and their one reader, bot.prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.prompts import PROMPTS_DIR, PromptError, PromptTemplate, load_prompt, render

ROOT = Path(__file__).resolve().parents[1]


def test_the_prompts_folder_is_the_repos_top_level_one() -> None:
    assert PROMPTS_DIR == ROOT / "prompts"
    assert {p.stem for p in PROMPTS_DIR.glob("*.md")} >= {"answer", "condense"}


def test_each_prompt_declares_exactly_the_slots_the_code_fills() -> None:
    assert load_prompt("answer").slots == {"sources", "question"}
    assert load_prompt("condense").slots == {"history", "question"}


def test_rendering_fills_slots_and_drops_author_comments() -> None:
    text = render("answer", sources="Source 1: Talks (18 February 2025)\nText.", question="When?")
    assert "Source 1: Talks (18 February 2025)\nText." in text
    assert "Question: When?" in text
    assert "<!--" not in text and "{" not in text
    assert "[1]" in text  # the rule that asks for markers survived


def test_a_missing_or_unknown_slot_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(PromptError, match="missing \\['question'\\]"):
        render("answer", sources="x")
    with pytest.raises(PromptError, match="unknown \\['extra'\\]"):
        render("condense", history="", question="q", extra="?")


def test_slot_values_are_inserted_verbatim_even_with_braces() -> None:
    template = PromptTemplate("t", "A {a} and {{literal}} then {b}.")
    assert template.slots == {"a", "b"}
    assert template.render(a="{b}", b="x}") == "A {b} and {literal} then x}."


def test_an_absent_prompt_names_the_path_it_looked_for(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"not found at .*nope\.md"):
        load_prompt("nope", tmp_path)
