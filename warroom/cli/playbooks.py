"""`warroom playbook list | validate | show | new`."""

from __future__ import annotations

from pathlib import Path

import click

from warroom import words
from warroom.cli import Env, pass_env
from warroom.cli.language import Group
from warroom.cli.output import echo, echo_json, error
from warroom.cli.params import TEXT
from warroom.i18n import N_, ngettext
from warroom.text import line


@click.group(cls=Group, help=N_("The playbook library: list, validate, show, new."))
def playbook() -> None:
    pass


@playbook.command("list", help=N_("One playbook a line, id first. Broken files are named on stderr; the rest still list."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: a list of objects."))
@pass_env
def list_(env: Env, as_json: bool) -> None:
    from warroom.services import library

    home = env.home
    cfg = library.config(home)
    entries = library.library(home, cfg)
    valid = [e for e in entries if e.playbook and not e.problems]
    if as_json:
        echo_json([
            {
                "id": e.playbook.id, "title": e.playbook.title, "version": e.playbook.version,
                "severity": e.playbook.severity, "file": e.shown,
                "trigger": e.playbook.trigger.model_dump(mode="json", by_alias=True) if e.playbook.trigger else None,
                "steps": len(e.playbook.steps), "fallbacks": list(e.playbook.fallbacks),
            }
            for e in valid
        ])
    else:
        for e in valid:
            echo(f"{line(e.playbook.id):<32} {words.shown(e.playbook.severity, words.SEVERITY):<8} {line(e.playbook.title)}")
    for e in entries:
        if e.problems:
            error(ngettext("{file}: not listed, {n} problem(s); see: warroom playbook validate",
                           "{file}: not listed, {n} problem(s); see: warroom playbook validate", len(e.problems)).format(file=e.shown, n=len(e.problems)))


@playbook.command(help=N_("Check playbooks (default: the config and every playbook of the home). Exit 2 on any problem."))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@pass_env
def validate(env: Env, files: tuple[Path, ...]) -> None:
    from warroom.errors import InvalidFile
    from warroom.services import library

    ok, problems = library.validate(env.home, list(files))
    for shown in ok:
        echo(f"ok  {line(shown)}")
    real = [p for p in problems if not p.startswith("note: ")]
    for problem in problems:
        error(problem)
    if real:
        raise InvalidFile([ngettext("{n} problem(s) found", "{n} problem(s) found", len(real)).format(n=len(real))])


@playbook.command(help=N_("A readable preview of one playbook: trigger, targets, steps, ladder, fallbacks, injects."))
@click.argument("playbook_id", metavar="ID", type=TEXT)
@click.option("--json", "as_json", is_flag=True, help=N_("The playbook as JSON."))
@pass_env
def show(env: Env, playbook_id: str, as_json: bool) -> None:
    from warroom.services import actors, library

    cfg = library.config(env.home)
    found = library.find(env.home, cfg, playbook_id)
    actor = actors.current(cfg)
    if as_json:
        data = found.model_dump(mode="json", by_alias=True)
        if not library.sees_script(actor):  # players must not read the drill script: only how long it is
            data["drill"] = {"injects": [], "scripted_injects": len(found.drill.injects)}
        echo_json(data)
    else:
        echo(library.describe(found, cfg, actor))


@playbook.command(help=N_("Write a valid skeleton playbook ID into the home, to edit."))
@click.argument("playbook_id", metavar="ID", type=TEXT)
@pass_env
def new(env: Env, playbook_id: str) -> None:
    from warroom.services import library

    path = library.new(env.home, playbook_id)
    echo(str(path))


COMMANDS = [playbook]
