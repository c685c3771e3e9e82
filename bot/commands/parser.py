"""argparse with its own words translated (usage, options, the help option, the errors
it words itself), so that `pakn --help` and a mistyped command line are in the operator's
language like the rest of the output."""

import argparse
import sys
from typing import Any, NoReturn

from bot.present.i18n import _, ngettext


def N_(message: str) -> str:
    """A text for the catalogs that is translated where it is used (here, by argparse)."""
    return message


ARGPARSE_ERRORS = (
    N_("argument %(argument_name)s: %(message)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"),
    N_("ignored explicit argument %r"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
)
"""The errors argparse words itself that a command line of `pakn` can cause."""

# argparse words them with the `_` and `ngettext` of its own module, looked up when it
# does: ours find them in the catalogs, in the language the command speaks.
argparse._ = _  # type: ignore[attr-defined]
argparse.ngettext = ngettext  # type: ignore[attr-defined]


class Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        # argparse itself passes "" when it builds a subcommand's name
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=_("show this help and exit"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message)
                  + "\n")
