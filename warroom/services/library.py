"""The home's configuration and playbook library: load, validate, find, write a new playbook."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import checkedconfig, durations, tomlsource
from warroom import words as shown_words
from warroom.config import Config, config_of, load_config
from warroom.errors import BadInput, InvalidFile, WarroomError
from warroom.fields import slug_problem
from warroom.files import folder_entries, name_of
from warroom.home import PLAYBOOK_SCHEMA, Home
from warroom.i18n import N_, _, ngettext
from warroom.services import actors
from warroom.text import block, line

if TYPE_CHECKING:
    from warroom.playbooks import loader
    from warroom.playbooks.schema import Playbook

SCHEMA_LINE = f"#:schema ./{PLAYBOOK_SCHEMA}\n"


def config(home: Home, *, remember: bool = False) -> Config:
    """The home's warroom.toml, once the home is known to be safe to trust. `remember`: also keep
    the record of it that lets the next write skip this check (checkedconfig); a command that
    writes asks for it, a reading one leaves the home's files as they are."""
    home.require()
    if not remember:
        return load_config(home.config_path, "warroom.toml")
    raw, status = tomlsource.read_raw(home.config_path, "warroom.toml")
    cfg = config_of(tomlsource.decode(raw, "warroom.toml"), "warroom.toml")
    checkedconfig.remember(home, raw, status, known(cfg))
    return cfg


def known(cfg: Config) -> checkedconfig.Known:
    """What the record of a checked config keeps: [people] and the time zone, plain."""
    return checkedconfig.Known({user: (person.name, person.role) for user, person in cfg.people.items()}, cfg.settings.timezone)


def _home_files(home: Home) -> list[tuple[Path, str]]:
    """The home's playbook files; InvalidFile when playbooks/ is no folder (a file, a FIFO, a loop
    of links), which would otherwise read as a library without a single playbook."""
    try:
        names = folder_entries(home.playbooks_dir, "playbooks/", ".toml")
    except InvalidFile as exc:
        raise InvalidFile([_("{problem}; no playbook can be read ({folder})").format(problem=exc.problems[0], folder=name_of(home.playbooks_dir))]) from None
    return [(home.playbooks_dir / name, name_of(f"playbooks/{name}")) for name in names]


def library(home: Home, cfg: Config) -> list[loader.PlaybookFile]:
    """Every playbook of the home, valid or not, each with its problems."""
    from warroom.playbooks import loader  # the playbooks' models: not loaded by a command that reads only the config

    return loader.load_library(_home_files(home), cfg)


def find(home: Home, cfg: Config, playbook_id: str) -> Playbook:
    from warroom.playbooks import loader

    return loader.find(library(home, cfg), playbook_id)


def validate(home: Home, files: list[Path]) -> tuple[list[str], list[str]]:
    """(files that are valid, problems). No files: the config and every playbook of the home.

    Given files are checked against the home's config and, for duplicate ids, against its library."""
    problems: list[str] = []
    if not os.path.lexists(home.config_path):
        if not files:
            home.require()
        cfg = Config()
        # Not translated yet: `playbook validate` tells a note from a problem by this English prefix (cli/playbooks.py).
        problems.append(f"note: no war-room home at {home.root}; references to suppliers, fallbacks and notify targets were not checked")
        checked_refs = False
    else:
        checked_refs = True
        try:
            cfg = config(home)
        except InvalidFile as exc:
            return [], exc.problems
    targets = [(p, name_of(p)) for p in files] if files else _home_files(home)
    wanted = {os.path.realpath(p) for p, _ in targets}
    others = [(p, s) for p, s in _home_files(home) if os.path.realpath(p) not in wanted] if checked_refs else []
    from warroom.playbooks import loader

    entries = loader.load_library(targets + others, cfg)
    mine = [e for e in entries if os.path.realpath(e.path) in wanted]
    if not checked_refs:
        for entry in mine:  # without a config, reference problems are not problems
            entry.problems = [p for p in entry.problems if "warroom.toml" not in p]
    ok = [e.shown for e in mine if not e.problems]
    if not files:
        ok.insert(0, "warroom.toml")
    return ok, problems + [p for e in mine for p in e.problems]


def skeleton(playbook_id: str, cfg: Config) -> dict[str, Any]:
    """A complete, valid playbook to start from, using what the home's config defines."""
    supplier = cfg.suppliers[0] if cfg.suppliers else None
    register = list(cfg.fallbacks())
    notify = list(cfg.notify)
    doc: dict[str, Any] = {
        "id": playbook_id,
        "title": f"{playbook_id.replace('-', ' ').capitalize()}",
        "version": 1,
        "severity": "high",
        "summary": "What fails, which crucial services it hits, and what is at stake.",
    }
    if supplier:
        doc["fallbacks"] = [f.id for f in supplier.fallbacks][:1]
        doc["trigger"] = {"supplier": supplier.id, "state": "down", "for": "5m"}
    elif register:
        doc["fallbacks"] = register[:1]
    doc["targets"] = {"acknowledge_within": "10m", "fallback_within": "1h", "resolve_within": "8h"}
    doc["steps"] = [
        {"id": "confirm", "title": "Confirm the failure with the supplier's service desk", "role": "coordinator", "due": "10m"},
        {"id": "assess", "title": "Assess which crucial services are hit and for how many people", "role": "coordinator", "due": "20m"},
        {"id": "inform", "title": "Inform the board and the communications team", "role": "commander", "due": "30m"},
    ]
    if notify:
        doc["escalation"] = [{"after": "0m", "notify": notify[:1], "message": "Supplier failure: war-room opened"}]
        if len(notify) > 1:
            doc["escalation"].append({"after": "30m", "notify": notify[1:2], "message": "Not resolved after 30 minutes"})
    doc["decisions"] = [{"id": "activate-fallback", "question": "Switch to the fallback arrangement?", "by": "45m", "role": "commander"}]
    injects: list[dict[str, Any]] = [{"at": "5m", "message": "The service desk reports callers cannot reach the service", "expect": "confirm"}]
    if supplier:
        injects.append({"at": "1m", "fault": {"supplier": supplier.id, "mode": "down"}})
    doc["drill"] = {"injects": injects}
    return doc


def new(home: Home, playbook_id: str, actor: actors.Actor | None = None) -> Path:
    """Write a valid skeleton playbook into the home; never overwrites. `actor`: who writes it (by
    default the person at this terminal); observers may not."""
    cfg = config(home)
    (actor or actors.current(cfg)).require(_("write a new playbook"))
    problem = slug_problem(playbook_id)
    if problem:
        raise BadInput(problem)
    path = home.playbooks_dir / f"{playbook_id}.toml"
    if path.exists():
        raise BadInput(_("playbooks/{file} exists; choose another id (nothing was changed)").format(file=path.name))
    taken = [e.playbook.id for e in library(home, cfg) if e.playbook]
    if playbook_id in taken:
        raise BadInput(_("a playbook with id {playbook!r} exists already (nothing was changed)").format(playbook=playbook_id))
    import tomli_w

    from warroom.playbooks import loader
    from warroom.playbooks.schema import Playbook

    text = SCHEMA_LINE + tomli_w.dumps(skeleton(playbook_id, cfg))
    # The skeleton must itself pass the validator it invites authors to use.
    locator = tomlsource.Locator(text)
    playbook = tomlsource.validate(Playbook, tomlsource.parse(text, path.name), path.name, locator)
    assert not loader.cross_check(playbook, cfg, path.name, locator), "skeleton does not validate"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640 if home.group_shared else 0o600)
    except PermissionError:
        raise WarroomError(_("playbooks/ is the administrator's to change (this account cannot write to it); "
                             "ask them to add {file}, or write it elsewhere and check it with warroom playbook validate FILE").format(file=path.name)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


_LABELS = (N_("Trigger"), N_("Targets"), N_("Fallbacks"))
# A playbook's targets as `describe` names them (its field names, spaced).
TARGET_NAMES = {"acknowledge_within": N_("acknowledge within"), "fallback_within": N_("fallback within"),
                "stabilise_within": N_("stabilise within"), "resolve_within": N_("resolve within")}


def sees_script(actor: actors.Actor) -> bool:
    """Who may read a playbook's drill script before any drill exists: a facilitator, or the
    commander (who may start one and so be its facilitator). Players must not know what is coming."""
    return actor.role in ("facilitator", "commander")


def describe(playbook: Playbook, cfg: Config, actor: actors.Actor) -> str:
    """A readable preview: what an author or coordinator checks before starting it. Every text an
    author wrote is one line (control characters shown), so no title can add a line of its own;
    only the summary keeps its lines, each indented under the first. The drill's injects are shown
    only to whom `sees_script`; the others read how many there are."""
    fmt = durations.format

    width = max(10, *(len(_(w)) for w in _LABELS))  # one column of labels, however long the language's words

    def label(word: str, first: bool = True) -> str:
        return f"{_(word) if first else '':<{width}} "

    lines = [_("{playbook} (v{version}) · severity {severity}").format(playbook=playbook.id, version=playbook.version, severity=shown_words.shown(playbook.severity, shown_words.SEVERITY)),
             line(playbook.title)]
    if playbook.summary:
        lines.append(block(playbook.summary.strip(), "  ┆ "))
    lines.append("")
    if playbook.trigger:
        t = playbook.trigger
        lines.append(label(_LABELS[0]) + _("{supplier} {state} for {span}").format(
            supplier=t.supplier, state=shown_words.shown(t.state, shown_words.SUPPLIER_STATE), span=fmt(t.for_)))
    targets = [(n, getattr(playbook.targets, n)) for n in type(playbook.targets).model_fields]
    targets = [(n, v) for n, v in targets if v is not None]
    if targets:
        lines.append(label(_LABELS[1]) + " · ".join(f"{_(TARGET_NAMES[n]) if n in TARGET_NAMES else n.replace('_', ' ')} {fmt(v)}" for n, v in targets))
    register = cfg.fallbacks()
    for i, fallback_id in enumerate(playbook.fallbacks):
        head = label(_LABELS[2], i == 0)
        if fallback_id in register:
            supplier, f = register[fallback_id]
            said = (_("{fallback}: {title} (covers {supplier}; owner {owner}, needs a decision)") if f.needs_decision
                    else _("{fallback}: {title} (covers {supplier}; owner {owner})"))
            lines.append(head + said.format(fallback=f.id, title=line(f.title), supplier=supplier.id, owner=line(f.owner)))
        else:
            lines.append(head + _("{fallback} (not in the register)").format(fallback=fallback_id))
    lines += ["", _("Steps")]
    for i, step in enumerate(playbook.steps, start=1):
        extra = ", ".join(x for x in (step.role, _("due {span}").format(span=fmt(step.due)) if step.due else None) if x)
        lines.append(f"  {i:>2}. {step.id:<18} {line(step.title)}" + (f"  [{line(extra)}]" if extra else ""))
    if playbook.escalation:
        lines += ["", _("Escalation")]
        for n, level in enumerate(playbook.ladder(), start=1):
            who = ", ".join(line(cfg.notify[t].name) if t in cfg.notify else t for t in level.notify)
            lines.append(f"  L{n}  " + _("after {span}").format(span=f"{fmt(level.after):<6}") + f" {who}" + (f" — {line(level.message)}" if level.message else ""))
    if playbook.decisions:
        lines += ["", _("Decisions")]
        for d in playbook.decisions:
            lines.append(f"  {d.id:<22} {line(d.question)}" + ("  [" + _("by {span}").format(span=fmt(d.by)) + "]" if d.by else ""))
    if playbook.drill.injects and not sees_script(actor):
        count = len(playbook.drill.injects)
        lines += ["", _("Drill injects"), "  " + ngettext("{n} scripted inject (the facilitator's MSEL)", "{n} scripted injects (the facilitator's MSEL)", count).format(n=count)]
    elif playbook.drill.injects:
        lines += ["", _("Drill injects")]
        for inject in sorted(playbook.drill.injects, key=lambda i: i.at):
            what = []
            if inject.fault:
                what.append(_("fault {supplier}={mode}").format(supplier=inject.fault.supplier, mode=inject.fault.mode))
            if inject.message:
                what.append(line(inject.message))
            lines.append("  " + _("at {span}").format(span=f"{fmt(inject.at):<6}") + " " + " · ".join(what)
                         + ("  (" + _("expect {step}").format(step=inject.expect) + ")" if inject.expect else ""))
    return "\n".join(lines)
