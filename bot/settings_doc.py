"""Render the settings as the README's table and as `.env.example`, so neither drifts from the code.

python -m bot.settings_doc table   # Markdown table for README.md
python -m bot.settings_doc env     # the contents of .env.example
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from bot.settings import Settings

PREFIX = "NEWSBOT_"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def env_name(name: str) -> str:
    return PREFIX + name.upper()


def _default(field: FieldInfo) -> str:
    value: Any = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value) if value else ""
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def table() -> str:
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = _default(field)
        shown = f"`{default}`" if default else "(empty)"
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {shown} | {description} |")
    return "\n".join(rows)


def env_example() -> str:
    lines = ["# newsbot settings: copy to .env and uncomment what you change.", ""]
    for name, field in Settings.model_fields.items():
        lines.append(f"# {field.description}")
        lines.append(f"# {env_name(name)}={_default(field)}")
        lines.append("")
    return "\n".join(lines)


def readme_with_table(readme: str) -> str:
    """The README with the text between the settings markers replaced by the current table."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def write(root: Path) -> None:
    readme = root / "README.md"
    readme.write_text(readme_with_table(readme.read_text()))
    (root / ".env.example").write_text(env_example())


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "table"
    if what == "write":
        write(Path.cwd())
    else:
        print(table() if what == "table" else env_example())
