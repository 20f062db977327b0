"""The README and .env.example list exactly the settings the code reads."""

from __future__ import annotations

from bot.settings_doc import env_example, readme_with_table
from tests.conftest import ROOT


def test_readme_settings_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme_with_table(readme) == readme, "run: python -m bot.settings_doc write"


def test_env_example_is_current() -> None:
    assert (ROOT / ".env.example").read_text() == env_example(), (
        "run: python -m bot.settings_doc write"
    )


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
