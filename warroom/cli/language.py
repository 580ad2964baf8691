"""click in the chosen language: our help texts, and click's own words, from our catalogue.

Help texts are evaluated when the command modules are imported, before the language is chosen, so
they are marked `N_()` and translated here when help is rendered (`Command`, `Group`: every command
of the CLI is one of them). click marks its own words (`Usage:`, `Options:`, `Missing argument`…)
with the stdlib's `gettext.gettext`, which reads the process's text domain in the language of the
environment: `speak_click` binds that domain to our catalogue and names the chosen language in
`LANGUAGE` (what gettext reads first), so click speaks what `--lang`, `[settings] language` or
`LANG` chose. Its words are marked below, so the catalogue keeps their Dutch."""

from __future__ import annotations

import copy
import gettext
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click

from warroom.i18n import DOMAIN, LOCALE_DIR, N_, _, ngettext


def _translated(help: str | None) -> str | None:
    """A help text as marked (`N_`) in the chosen language; cleandoc after, since the msgid is the
    text as written."""
    return inspect.cleandoc(_(help)) if help else help


class Command(click.Command):
    """A command whose help, options' help and usage speak the chosen language when shown."""

    def get_short_help_str(self, limit: int = 45) -> str:
        shown = copy.copy(self)
        shown.help, shown.short_help = _translated(self.help), _translated(self.short_help)
        return click.Command.get_short_help_str(shown, limit)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = copy.copy(self)
        shown.help = _translated(self.help)
        click.Command.format_help_text(shown, ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = copy.copy(self)
        shown.epilog = _translated(self.epilog)
        click.Command.format_epilog(shown, ctx, formatter)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        if not ctx.meta.get(_SHOWING_HELP):
            return params
        shown = []
        for param in params:
            param = copy.copy(param)
            param.help = _translated(param.help)
            shown.append(param)
        return shown

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _showing_help(ctx):
            super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [_(p) if p in _METAVARS else p for p in pieces]


class Group(Command, click.Group):
    """A group of translated commands: its subcommands and subgroups are of these classes too."""

    command_class = Command
    group_class = type


_SHOWING_HELP = "warroom.help"


@contextmanager
def _showing_help(ctx: click.Context) -> Iterator[None]:
    """Parameters are copied with translated help only while help is written: parsing uses them as they are."""
    ctx.meta[_SHOWING_HELP] = True
    try:
        yield
    finally:
        ctx.meta.pop(_SHOWING_HELP, None)


def speak_click(lang: str) -> None:
    """Make click's own words (usage, errors, section titles) speak `lang`, from our catalogue.

    `LANGUAGE` is what gettext reads first; the processes this one starts inherit it, so they speak
    the language chosen here."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


# The metavariables click writes into a usage line itself.
_METAVARS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("[COMMAND] [ARGS]..."))

# click's own words that our commands can show, spelt exactly as click 8 writes them: marked here
# so the catalogue keeps their Dutch (click asks gettext for them in our text domain). ngettext
# only marks its pair here; the count is click's.
CLICK_WORDS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"),
    N_("Show this message and exit."), N_("Show the version and exit."),
    N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("Missing argument"), N_("Missing option"), N_("Missing parameter"), N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"), N_("Missing command."),
    N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Invalid value: {message}"), N_("Invalid value for {param_hint}: {message}"),
    N_("Option {name!r} does not take a value."), N_("Argument {name!r} takes {nargs} values."),
    N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."), N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."), N_("file"), N_("directory"), N_("path"),
    N_("Choose from:\n\t{choices}"), N_("env var: {var}"), N_("default: {default}"), N_("required"), N_("Aborted!"),
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1),
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1),
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1),
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1),
)
