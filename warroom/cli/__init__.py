"""The command line (DESIGN §6). Each command parses, calls one service, and prints; exit codes come
from the error tree in warroom.errors. Heavy modules are imported inside commands, so `--help` and
quick commands stay fast."""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import click

from warroom.cli.language import Group, speak_click
from warroom.clock import Clock, MovableClock, SystemClock
from warroom.errors import BadInput, InvalidFile, WarroomError
from warroom.i18n import LANGUAGES, N_, _

NOW_VARIABLE = "WARROOM_NOW"
_ending_at_once = False  # end_at_once: set by the command in hand, read as main() ends


def reading_clock(value: str | None) -> Clock:
    """The clock of the commands that only read (status, fallbacks, risks, incident list and show,
    suggestion list, drill msel, report list, review, export): the system's,
    or the instant $WARROOM_NOW names (ISO 8601 with an offset), so a script or a test can ask "as of
    when". Only they read the variable (Env.clock, asked for by `reading`), so a command that records
    something neither takes it nor fails on a bad one: the log's times are the real ones."""
    if not value:
        return SystemClock()
    from datetime import datetime

    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        from warroom.text import line

        raise BadInput(_("{variable}: {value} is not an instant with a UTC offset, like 2026-11-29T12:00:00+00:00").format(
            variable=NOW_VARIABLE, value=line(repr(value[:60]))))
    from datetime import UTC, timedelta

    try:  # the views reach a year either side of now (availability windows, horizons): keep that in range
        when.astimezone(UTC) + timedelta(days=366)
        when.astimezone(UTC) - timedelta(days=366)
    except OverflowError:
        from warroom.text import line

        raise BadInput(_("{variable}: {value} is out of range: name an instant between years 2 and 9998").format(
            variable=NOW_VARIABLE, value=line(repr(value[:60])))) from None
    return MovableClock(when)


@dataclass
class Env:
    """What every command gets: the home it works on, how the TUI meets the terminal, and the clock
    the reading commands read (reading_clock)."""

    home_option: Path | None
    db: str | None
    mouse: bool = True

    @cached_property
    def clock(self) -> Clock:
        """$WARROOM_NOW, read when a reading command first asks (a bad value stops it, exit 2)."""
        return reading_clock(os.environ.get(NOW_VARIABLE))

    @property
    def home(self):
        from warroom.home import Home, default_root

        return Home(self.home_option or default_root(), self.db)


pass_env = click.make_pass_decorator(Env)

# Which module defines each command. A command's module (and the services it imports at its top) is
# imported only when that command runs, so `warroom log` does not pay for the exports, the review,
# the demo and the simulator (click's documented lazy-loading group).
LAZY = {
    "init": "homes", "verify": "homes", "doctor": "homes", "backup": "homes", "restore": "homes", "schema": "homes",
    "playbook": "playbooks",
    "check": "health", "status": "health", "monitor": "health", "simulate": "health",
    "incident": "incidents", "step": "incidents", "escalation": "incidents", "fallback": "incidents", "fallbacks": "incidents",
    "log": "incidents", "suggestion": "incidents",
    "drill": "drills", "review": "review", "export": "exports", "demo": "demo", "risks": "watch", "report": "watch",
}


class LazyGroup(Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY and cmd_name not in self.commands:
            from importlib import import_module

            module = import_module(f"warroom.cli.{LAZY[cmd_name]}")
            for command in module.COMMANDS:
                self.commands.setdefault(command.name, command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             help=N_("warroom: a terminal war-room for crisis teams whose IT suppliers fail.\n\n"
                     "Without a command, opens the war-room's board in the terminal."))
@click.option("--home", "home_option", type=click.Path(path_type=Path, file_okay=False), help=N_("War-room home (default: $WARROOM_HOME, then the user data dir)."))
@click.option("--db", metavar="URL", envvar="WARROOM_DB", show_envvar=True,
              help=N_("Database URL instead of the home's own SQLite file: postgresql+psycopg://… for a war-room shared by several sites."))
@click.option("--wall", is_flag=True, help=N_("Open the read-only wall view (projector) instead of the board."))
@click.option("--no-mouse", is_flag=True, help=N_("Leave the mouse to the terminal (to select and copy text); every action has a key."))
@click.option("--debug", is_flag=True, help=N_("Show tracebacks of unexpected errors."))
@click.option("--lang", type=click.Choice(LANGUAGES),
              help=N_("Language of this command's screens, messages and reports (default: the war-room's [settings] language, then $LANG)."))
@click.version_option(package_name="warroom")
@click.pass_context
def cli(ctx: click.Context, home_option: Path | None, db: str | None, wall: bool, no_mouse: bool, debug: bool, lang: str | None) -> int | None:
    # The help is marked for the catalogue (language.Command translates it when shown), not a docstring.
    import gc

    ctx.obj = Env(home_option, db, mouse=not no_mouse)
    if ctx.invoked_subcommand is not None or wall:
        from warroom import tomlonce

        tomlonce.forget()  # speak kept its parse of warroom.toml for the board's first look: none is coming
    if ctx.invoked_subcommand is not None:
        gc.enable()  # main paused it while the arguments were read: a command runs with it, as ever
    else:
        # Importing Textual, styling the board and its first look make enough objects for several
        # of Python's full collections, each a walk over all of them: ~30 ms of two cores before
        # the first frame (process CPU, measured). Off until that frame is on screen (app.run).
        home = ctx.obj.home.require()
        gc.disable()
        try:
            from warroom.tui import app

            return app.run(home, wall=wall, mouse=ctx.obj.mouse, collector_paused=True)  # its status: not 0 after a crash
        finally:
            gc.enable()  # however it ended
    return None


class _Warnings(logging.Handler):
    """A write that committed but could not be witnessed: one line on stderr, the command still succeeds."""

    def emit(self, record: logging.LogRecord) -> None:
        from warroom.cli.output import error

        error(_("warroom: warning: {message}").format(message=record.getMessage()))


def _option(args: list[str], name: str) -> str | None:
    """The value of a global option (`--name VALUE` or `--name=VALUE`) before the command's name,
    the last if given twice, read before click parses: the language must be chosen before click
    writes its first word."""
    found = None  # the last one given counts, as click takes it
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1:]
        elif not arg.startswith("-") and (i == 0 or args[i - 1] not in ("--home", "--db", "--lang")):
            break  # the command's name: what follows is the command's own
    return found


def speak(args: list[str], environ: dict[str, str] | None = None) -> str:
    """Choose this process's language: `--lang`, then the home's `[settings] language`, then the
    user's environment (i18n.choose). The home's file is only peeked at: a file that cannot be read
    or parsed says nothing here, and the command that loads it reports what is wrong with it.

    A command asked for `--json` speaks English whatever was chosen: its output is a contract that
    scripts read, so the text inside it (a risk's `why`, a doctor finding) is the same in every
    war-room."""
    from warroom import i18n

    env = os.environ if environ is None else environ
    if "--json" in args:
        return i18n.choose(override=i18n.DEFAULT)
    override = _option(args, "--lang")
    setting = None
    try:
        from warroom import files, tomlonce
        from warroom.home import CONFIG, default_root

        root = Path(_option(args, "--home") or env.get("WARROOM_HOME") or default_root())
        raw = files.read_bytes(root / CONFIG, CONFIG, limit=1 << 20, what="a config")  # a FIFO or a hung mount is not waited on
        # Kept for the board's first look, which reads the same file next (services/glance).
        value = tomlonce.loads(raw, keep=True).get("settings", {}).get("language")
        setting = value if value in LANGUAGES else None
    except (WarroomError, ValueError, AttributeError, RecursionError):  # RecursionError: a nesting bomb
        pass
    return i18n.choose(override=override if override in LANGUAGES else None, setting=setting, environ=env)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a WarroomError becomes its message and exit code, never a traceback. Every
    message goes out through warroom.cli.output, as one line."""
    from warroom.cli.output import click_error, error

    global _ending_at_once
    _ending_at_once = False
    args = sys.argv[1:] if argv is None else argv
    witness_log = logging.getLogger("warroom.witness")
    if not any(isinstance(h, _Warnings) for h in witness_log.handlers):
        witness_log.addHandler(_Warnings())
    debug = "--debug" in args
    import gc

    # Python's collector is off while the arguments and the home's language are read: for the
    # board it stays off until the first frame (cli), a command has it on again before it runs.
    gc.disable()
    try:
        speak_click(speak(args))
        code = cli.main(args=args, prog_name="warroom", standalone_mode=False)
    except click.ClickException as exc:
        click_error(exc)
        code = exc.exit_code
    except click.exceptions.Abort:
        error(_("warroom: aborted"))
        code = 1
    except InvalidFile as exc:
        for line in exc.problems:
            error(line)
        code = exc.exit_code
    except WarroomError as exc:
        error(f"warroom: {exc}")
        code = exc.exit_code
    except KeyboardInterrupt:
        error(_("warroom: interrupted"))
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:
        if debug:
            raise
        error(_("warroom: internal error: {kind}: {message} (run again with --debug for the traceback)").format(kind=type(exc).__name__, message=exc))
        code = 1
    finally:
        gc.enable()
    code = code if isinstance(code, int) else 0
    if argv is None and _ending_at_once and code == 0 and _alone():
        _end_now(code)
    sys.exit(code)


def _alone() -> bool:
    """Nothing else in this process waits for it to end as Python ends: no other thread, and no
    profiler, tracer, debugger or coverage (`python -m cProfile -m warroom`), nor `python -i`, that
    writes what it found, or takes over, after the program returns."""
    return threading.active_count() == 1 and sys.gettrace() is None and sys.getprofile() is None and not sys.flags.inspect


def end_at_once() -> None:
    """The command in hand read, wrote its files whole and closed them, and leaves nothing else
    behind: when it ends well, its process ends without tearing Python down. With SQLAlchemy's ORM
    loaded that teardown (freeing every module's objects one by one) is ~0.2 s after the work is
    done, measured: a tenth of a Markdown export of 100,000 events, paid after its file is there."""
    global _ending_at_once
    _ending_at_once = True


def _end_now(code: int) -> None:
    """Exit now, as Python's own exit would end but for its teardown: the exit functions run
    (logging's shutdown, weakref finalizers), then what was written is flushed; a flush that fails
    is exit status 120, as Python gives it."""
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone, or a stream closed
            code = 120
    os._exit(code)
