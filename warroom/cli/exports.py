"""warroom export: an incident's timeline as JSON, HTML, Markdown, CSV or a situation report."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from warroom.cli import Env, end_at_once, pass_env
from warroom.cli.language import Command
from warroom.cli.output import data_out, echo
from warroom.cli.params import INCIDENT, TEXT
from warroom.export import EXTENSIONS, FORMATS
from warroom.i18n import N_, _
from warroom.text import line


@click.command("export", cls=Command, help=N_("Export an incident's timeline. Reads only: the database is not changed."))
@click.argument("incident_id", metavar="ID", type=INCIDENT, required=False)
@click.option("--all", "every", is_flag=True, help=N_("Every incident, one file each, into the folder -o names."))
@click.option("--format", "fmt", required=True, type=click.Choice(list(FORMATS)),
              help=N_("json (signed, verifiable), html (screen and print), md (report), csv (one event a row), sitrep (shift handover), "
                      "report (a draft legal report: --obligation NAME)."))
@click.option("-o", "--output", type=click.Path(path_type=Path), help=N_("Write to this file (with --all: this folder) instead of stdout."))
@click.option("--since", metavar="TIME", type=TEXT, help=N_("Only what was recorded at or after TIME (10:05, 2026-11-29 10:05, ISO 8601)."))
@click.option("--until", metavar="TIME", type=TEXT, help=N_("Only what was recorded before TIME."))
@click.option("--obligation", metavar="NAME", type=TEXT, help=N_("With --format report: the reporting obligation to draft (warroom report list ID)."))
@pass_env
def export(env: Env, incident_id: int | None, every: bool, fmt: str, output: Path | None, since: str | None, until: str | None,
           obligation: str | None) -> None:
    import gc

    # Importing what an export runs (SQLAlchemy, pydantic, the config's models) makes enough
    # objects for several of Python's full collections, each a walk over all of them: ~60 ms of
    # a JSON export's ~1.2 s CPU (measured). The collector waits until they are made, and then
    # sets them aside while the export reads (_export); as it was however the command ends.
    collecting, freezing = gc.isenabled(), gc.get_freeze_count() == 0
    gc.disable()
    try:
        _export(env, incident_id, every, fmt, output, since, until, obligation, collecting=collecting, freezing=freezing)
        end_at_once()  # it only read, and its files are whole and closed
    finally:
        if freezing:
            gc.unfreeze()
        if collecting:
            gc.enable()


def _export(env: Env, incident_id: int | None, every: bool, fmt: str, output: Path | None, since: str | None, until: str | None,
            obligation: str | None, *, collecting: bool, freezing: bool) -> None:
    from warroom import identity
    from warroom.clock import parse_when
    from warroom.errors import BadInput
    from warroom.services import exportchild, exports, library

    if every == (incident_id is not None):
        raise click.UsageError(_("give an incident ID or --all, not both") if every else _("give an incident ID, or --all"))
    if every and output is None:
        raise click.UsageError(_("--all writes one file per incident: name their folder with -o DIR"))
    if (fmt == "report") != (obligation is not None):
        from warroom.errors import BadInput

        raise BadInput(_("--format report drafts one obligation: name it with --obligation NAME") if obligation is None
                       else _("--obligation goes with --format report"))
    if fmt == "report" and every:
        raise click.UsageError(_("--format report drafts one incident's report: give its ID, not --all"))
    home = env.home.require()
    config = library.config(home)
    now = env.clock.now()  # a reading command: "due in 5m", the report's clocks, as of $WARROOM_NOW when set
    zone = config.settings.timezone
    window = {}
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            try:
                window[name] = parse_when(value, zone, now)
            except ValueError as exc:
                raise BadInput(f"--{name}: {exc}") from None
    _check_output(output, every)
    signer, unsigned = exports.signer(home) if fmt == "json" else (None, None)
    user = identity.os_user()
    # A long incident's later events are read by a child process meanwhile (services/exportchild.py),
    # forked before SQLAlchemy is imported and any database opened here.
    child = exportchild.Child.begin(home, incident_id, fmt, config) if incident_id is not None and not window else None
    with child or nullcontext():
        _read(exports, home, every, incident_id, output, fmt, config, now, user, signer, obligation, window, child,
              collecting=collecting, freezing=freezing)
    if unsigned:
        echo(_("warroom: warning: {message}").format(message=line(unsigned)), err=True)


def _read(exports, home, every: bool, incident_id: int | None, output: Path | None, fmt: str, config, now, user: str, signer,
          obligation: str | None, window: dict, child, *, collecting: bool, freezing: bool) -> None:
    """Read and write the exports (`_run`), through the file's own reader or the store."""
    import gc

    exports.load(fmt)
    # An export of the home's own SQLite file that needs nothing but its events reads the file
    # read-only through the standard library, without SQLAlchemy (a sixth of such an export);
    # whatever that reader leaves (another database, an unknown incident) the store reads.
    file = exports.open_file(home, fmt)
    store = home.open_store() if file is None else None
    # An export makes a few objects for each of 100,000 events, a batch of thousands of them alive
    # at once, and no cycles: enough to start several full collections, each a walk over every
    # object the imports made too (~0.1 s of 1.3 at 100,000 events, measured). Those are set
    # aside while it reads; what the export makes is collected as ever.
    if freezing:
        gc.freeze()
    if collecting:
        gc.enable()
    if file is not None:
        try:
            with file:
                _run(exports, file, every, incident_id, output, fmt, config, now, user, signer, obligation, window, child)
        except exports.NotInFile:
            store = home.open_store()
    if store is not None:
        try:
            with store.read_core() as reader:  # Core: a JSON or CSV export never loads the ORM (the others do, for the state now)
                _run(exports, reader, every, incident_id, output, fmt, config, now, user, signer, obligation, window, child)
        finally:
            store.dispose()


def _run(exports, reader, every: bool, incident_id: int | None, output: Path | None, fmt: str, config, now, user: str, signer,
         obligation: str | None, window: dict, child) -> None:
    """Each export asked for, read by `reader` (the store's connection, or the file's own reader)."""
    from warroom.errors import BadInput

    ids = exports.incident_ids(reader) if every else [incident_id]
    for number in ids:
        target = output / f"incident-{number}.{EXTENSIONS[fmt]}" if every else output
        try:
            if target is None:
                with data_out() as out:
                    chain = exports.export(reader, number, config, now, fmt, out, user=user, signer=signer, obligation=obligation, child=child, **window)
            else:
                chain = exports.export(reader, number, config, now, fmt, target, user=user, signer=signer, obligation=obligation, child=child,
                                       **window)
        except exports.CannotWrite as exc:
            raise BadInput(f"-o {exc}") from None
        if target is not None:
            echo(_("exported incident #{id} ({format}) to {path}").format(id=number, format=fmt, path=line(target)))
        if chain is not None and not chain["verified"]:
            echo(_("warroom: warning: incident #{id}: its events do not verify ({problem}); the export says so").format(
                id=number, problem=line(chain['problem'])), err=True)


def _check_output(output: Path | None, every: bool) -> None:
    """Refuse a place the export cannot go before anything is read."""
    from warroom.errors import BadInput

    if output is None:
        return
    if every:
        if output.exists() and not output.is_dir():
            raise BadInput(_("-o {path}: not a folder (--all writes one file per incident into it)").format(path=line(output)))
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(_("-o {path}: cannot create the folder ({reason})").format(path=line(output), reason=exc.strerror)) from None
        return
    from warroom.services import exports

    try:
        exports.check_target(output)
    except exports.CannotWrite as exc:
        raise BadInput(f"-o {exc}") from None


COMMANDS = [export]
