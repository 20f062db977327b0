"""`python -m bot.cli` runs the `newsbot` command."""

from bot.cli.app import main

main()
