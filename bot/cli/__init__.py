"""The `newsbot` command line: `app` (in bot.cli.app) and one module per group of commands."""

from bot.cli.app import app, main

__all__ = ["app", "main"]
