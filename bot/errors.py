"""Errors whose messages are safe to show users; the edges (CLI, HTTP, Discord) present them."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every error newsbot expects and can explain."""


class ConfigError(NewsbotError):
    """A setting is missing, contradictory or points at something unusable."""


class IndexMismatch(ConfigError):
    """The index on disk was built with another embedding model than the one configured."""


class ModeUnavailable(NewsbotError):
    """An answer mode was asked for that is unknown or not configured (e.g. "llm" with no URL)."""


class BadQuestion(NewsbotError):
    """The question cannot be answered as asked (it is empty, for one)."""
