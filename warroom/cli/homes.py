"""Home commands: init, verify, doctor, backup, restore, schema."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli import Env, pass_env
from warroom.cli.language import Command
from warroom.cli.output import echo, echo_json
from warroom.cli.params import TEXT
from warroom.i18n import LANGUAGES, N_, _
from warroom.text import line


@click.command(cls=Command, help=N_("Create a war-room home with example config and playbooks."))
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--group", type=TEXT, help=N_("OS group that shares the home (folder 3770, files 0660; the key 0600, its owner signs); default: owner only."))
@click.option("--demo", is_flag=True, help=N_("Point every supplier at the simulator (warroom simulate)."))
@click.option("--simulator-port", default=None, type=click.IntRange(1, 65535), help=N_("With --demo: the simulator's port (default 47800)."))
@click.option("--lang", type=click.Choice(LANGUAGES),
              help=N_("Language of the home: its example config and playbooks, and [settings] language (default: English examples, no setting)."))
@pass_env
def init(env: Env, directory: Path | None, group: str | None, demo: bool, simulator_port: int | None, lang: str | None) -> None:
    from warroom import i18n, identity
    from warroom.clock import SystemClock
    from warroom.services import homes

    # `warroom --lang nl init` asks for a Dutch home as `init --lang nl` does; the user's LANG alone
    # does not: a home's language is the administrator's choice for every user, made on purpose.
    lang = lang or click.get_current_context().find_root().params.get("lang")
    if lang:
        i18n.use(lang)  # init --lang nl speaks Dutch too, though the language was chosen before click parsed it
    root = directory or env.home.root
    config_text = None
    if demo:
        from warroom.demo import DEMO_PORT, demo_config

        config_text = demo_config(simulator_port or DEMO_PORT, commander=identity.os_user(), lang=lang or "en")
    homes.create(root, clock=SystemClock(), actor=identity.os_user(), origin=identity.origin(), group=group, config_text=config_text,
                 db_url=env.db, lang=lang)
    if demo:
        from warroom.demo import quicken_playbooks

        quicken_playbooks(root / "playbooks", lang or "en")
    echo(_("created war-room home {home}").format(home=line(root)))
    echo("  " + _("edit {config} for your suppliers, services, people and notify targets").format(config=line(root / "warroom.toml")))
    echo("  " + _("playbooks in {folder}; check them with: warroom --home {home} playbook validate").format(
        folder=line(root / "playbooks"), home=line(root)))


@click.command(cls=Command, help=N_("Check the hash chain, the database's integrity and the signed witness; or an exported "
                                    "timeline alone. Exit 3 if altered."))
@click.option("--export", "export_file", type=click.Path(path_type=Path, dir_okay=False),
              help=N_("Verify an exported timeline (JSON) on its own: its hashes, its incident's stream links, its signature."))
@click.option("--key", "key", type=click.Path(path_type=Path, dir_okay=False),
              help=N_("Check the witness (or the export's signature) against this public key (a copy of warroom.pub kept off the host), not the home's own."))
@click.option("--copy", "copy", is_flag=True,
              help=N_("The database is a copy (a pg_dump restored into a scratch database): witnessed later events are expected, not a truncation."))
@pass_env
def verify(env: Env, export_file: Path | None, key: Path | None, copy: bool) -> None:
    if export_file is not None:
        from warroom.services import exports

        echo(str(exports.verify_file(export_file, key, env.home)))
        return
    from warroom.services import integrity
    from warroom.text import line

    report = integrity.verify_home(env.home.require(), key, copy=copy)
    echo(str(report))
    for warning in report.warnings:
        echo(_("warroom: warning: {message}").format(message=line(warning)), err=True)


@click.command(cls=Command, help=N_("Check a home and say what to fix: files others can write, config and playbooks, the signing key and "
                                    "the witness, the monitor's lease, the clock, disk space, sample retention, suppliers answering. "
                                    "One finding a line; exit 1 if anything needs fixing."))
@click.option("--offline", is_flag=True, help=N_("Skip the quick check round against the suppliers and the simulator."))
@click.pass_context
def doctor(ctx: click.Context, offline: bool) -> None:
    from warroom.clock import SystemClock
    from warroom.services import doctor as checks

    findings = checks.examine(ctx.find_object(Env).home, SystemClock().now(), network=not offline)
    for finding in findings:
        echo(str(finding))
    if any(f.level == "problem" for f in findings):
        ctx.exit(1)


@click.command(cls=Command, help=N_("Write a consistent copy of the database while others keep working."))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_env
def backup(env: Env, file: Path) -> None:
    from warroom.errors import BadInput
    from warroom.store.backup import backup as copy
    from warroom.store.engine import sqlite_path

    home = env.home.require()
    source = sqlite_path(home.url)
    if source is None:
        raise BadInput(_("backup copies a SQLite database; for PostgreSQL use pg_dump"))
    home.open_store().dispose()  # refuses an unsafe or missing database, migrates an old one
    copy(source, file)
    echo(_("backup written to {file}; check it with: {command}").format(
        file=line(file), command=f"warroom --home {line(home.root)} --db sqlite:///{line(file.resolve())} verify"))


@click.command(cls=Command, help=N_("Put a backup in place of the home's database: verified first; the database and witness.log as "
                                    "they were are kept beside them; a new witness starts with the restore's own event. Stop the monitor first."))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_env
def restore(env: Env, file: Path) -> None:
    from warroom import identity
    from warroom.clock import SystemClock
    from warroom.services import restore as restoring

    done = restoring.restore(env.home, file, clock=SystemClock(), actor=identity.os_user(), origin=identity.origin())
    for text in done.lines(file):
        echo(text)


@click.command(cls=Command, help=N_("Print the JSON Schema of a playbook or of warroom.toml."))
@click.argument("kind", type=click.Choice(["playbook", "config"]))
def schema(kind: str) -> None:
    if kind == "playbook":
        from warroom.playbooks.schema import Playbook as model
    else:
        from warroom.config import Config as model
    echo_json(model.model_json_schema())


COMMANDS = [init, verify, doctor, backup, restore, schema]
