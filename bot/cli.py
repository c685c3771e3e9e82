"""The `pakn` command: serve the bot, and the operators' tools."""

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.commands import (
    apikeys,
    backup,
    calendar,
    directory,
    doctor,
    imports,
    invites,
    privacy,
    reports,
    serve,
    surveys,
    zalo,
)
from bot.i18n import LANGUAGES, set_language
from bot.settings import Settings, SettingsError
from storage.errors import StorageError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pakn", description="PAKN citizen feedback bot")
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="language of the output (default: PAKN_DEFAULT_LANGUAGE)")
    parser.set_defaults(run=serve.serve)
    commands = parser.add_subparsers(title="commands")
    for group in (serve, directory, calendar, invites, surveys, reports, imports, zalo, apikeys,
                  privacy, backup, doctor):
        group.register(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx (used by dependencies) logs full URLs, tokens included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"pakn: configuration error: {exc}", file=sys.stderr)
        return 2
    set_language(args.lang or settings.default_language)
    try:
        return int(args.run(settings, args) or 0)
    except StorageError as exc:
        print(f"pakn: database error: {exc}", file=sys.stderr)
        return 1
