"""The one reader of `prompts/*.md`: templates with named `{slot}`s, rendered strictly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.errors import ConfigError

# The repo's top-level prompts/ folder: beside the `bot` package in a checkout or editable install.
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

_SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)  # notes for prompt authors, never sent to a model


class PromptError(ConfigError):
    """A prompt file is missing, or was rendered with missing or unknown slots."""


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt's text and the slot names it needs; `{{` and `}}` stand for literal braces."""

    name: str
    text: str

    @property
    def slots(self) -> frozenset[str]:
        return frozenset(_SLOT.findall(_unescaped(self.text)))

    def render(self, **slots: str) -> str:
        missing = self.slots - slots.keys()
        unknown = slots.keys() - self.slots
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name!r} needs slots {sorted(self.slots)}; "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        # One pass, so a slot value that itself contains "{x}" is never expanded again.
        rendered = _SLOT.sub(lambda m: str(slots[m.group(1)]), _unescaped(self.text))
        return rendered.replace("\0l", "{").replace("\0r", "}")


def _unescaped(text: str) -> str:
    return text.replace("{{", "\0l").replace("}}", "\0r")


@cache
def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> PromptTemplate:
    """The template `prompts/<name>.md`, with author comments (`<!-- ... -->`) removed."""
    path = folder / f"{name}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt {name!r} not found at {path}") from None
    return PromptTemplate(name=name, text=_COMMENT.sub("", raw).strip() + "\n")


def render(name: str, **slots: str) -> str:
    """`prompts/<name>.md` with every slot filled; PromptError if one is missing or unknown."""
    return load_prompt(name).render(**slots)
