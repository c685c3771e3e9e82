"""The `pakn` command: serve the bot, and the operators' tools.

Thin on purpose: it builds the parsers (each command module adds its own, importing
nothing heavy) and loads the settings and the application only once a command runs, so
`pakn --help` answers at once."""

import argparse
import contextvars
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.commands import COMMANDS
from bot.commands.parser import Parser
from bot.present.i18n import LANGUAGES, _, set_language

DOTENV = Path(".env")


def main(argv: Sequence[str] | None = None) -> int:
    # The language chosen is the command's: a caller in the same process keeps its own.
    return contextvars.copy_context().run(_main, list(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    set_language(_early_language(argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    from bot.runtime.settings import Settings, SettingsError  # not needed for --help
    try:
        settings = Settings.from_env(dotenv=DOTENV)
    except SettingsError as exc:
        print(_("pakn: configuration error: {error}").format(error=exc.told()),
              file=sys.stderr)
        return 2
    set_language(args.lang or settings.default_language)
    from bot.commands.serve import serve
    run = getattr(args, "run", serve)
    from bot.runtime import logs
    logs.configure(args.verbose, settings.log_format == "json",
                   service=run is serve)
    from bot.core.errors import StorageError
    try:
        return int(run(settings, args) or 0)
    except StorageError as exc:
        print(_("pakn: database error: {error}").format(error=exc), file=sys.stderr)
        return 1


def build_parser() -> Parser:
    parser = Parser(prog="pakn", description=_("PAKN citizen feedback bot"))
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=_("language of the output (default: PAKN_DEFAULT_LANGUAGE)"))
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help=_("show the libraries' log lines too (-vv: debugging lines)"))
    commands = parser.add_subparsers(title=_("commands"), metavar=_("COMMAND"))
    for name in COMMANDS:
        importlib.import_module(f"bot.commands.{name}").register(commands)
    return parser


def every_command(parser: argparse.ArgumentParser | None = None) -> list[list[str]]:
    """Every command and subcommand as the words that name it ([] for `pakn` itself):
    what the help check and the help benchmark go through."""
    found: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*words, name])
                    walk(sub, [*words, name])
    walk(parser or build_parser(), [])
    return found


def _early_language(argv: list[str]) -> str:
    """The language of the help and of argument errors, before the settings are read:
    --lang, else PAKN_DEFAULT_LANGUAGE from the environment or the .env file."""
    for index, word in enumerate(argv):
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    language = (os.environ.get("PAKN_DEFAULT_LANGUAGE") or "").strip()
    if not language and DOTENV.is_file():
        from bot.runtime.dotenv import read_dotenv
        language = read_dotenv(DOTENV).get("PAKN_DEFAULT_LANGUAGE", "").strip()
    return language if language in LANGUAGES else "vi"
