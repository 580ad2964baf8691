"""Loading playbooks: each file on its own, then against the home's config and each other.

A broken playbook must never hide the good ones in a crisis: the library loads every file and keeps
the problems of each beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from warroom import tomlsource
from warroom.config import Config
from warroom.errors import BadInput, InvalidFile
from warroom.i18n import N_, _
from warroom.playbooks.schema import Playbook

_USED_BY = {"step": N_("duplicate id {id} (already used by a step)"), "decision": N_("duplicate id {id} (already used by a decision)")}
_UNKNOWN_TARGET = N_("unknown notify target {target} (define [notify.{name}] in warroom.toml)")


@dataclass
class PlaybookFile:
    path: Path
    shown: str
    playbook: Playbook | None = None
    problems: list[str] = field(default_factory=list)
    locator: tomlsource.Locator | None = None


def cross_check(playbook: Playbook, config: Config, shown: str, locator: tomlsource.Locator) -> list[str]:
    """Problems of references: unknown suppliers, fallbacks, notify targets; duplicate ids."""
    problems: list[str] = []

    def at(path: tuple, message: str) -> None:
        problems.append(tomlsource.problem(shown, locator, path, message))

    suppliers = {s.id for s in config.suppliers}
    if playbook.trigger and playbook.trigger.supplier not in suppliers:
        at(("trigger", "supplier"), _("unknown supplier {id} (not in warroom.toml)").format(id=repr(playbook.trigger.supplier)))
    register = config.fallbacks()
    for i, fallback_id in enumerate(playbook.fallbacks):
        if fallback_id not in register:
            at(("fallbacks", i), _("unknown fallback {id} (not in the fallback register of warroom.toml)").format(id=repr(fallback_id)))
    seen: dict[str, str] = {}
    for kind, items in (("step", playbook.steps), ("decision", playbook.decisions)):
        for i, item in enumerate(items):
            if item.id in seen:
                at((f"{kind}s", i, "id"), _(_USED_BY[seen[item.id]]).format(id=repr(item.id)))
            seen[item.id] = kind
    afters: set = set()
    for i, level in enumerate(playbook.escalation):
        if level.after in afters:
            at(("escalation", i, "after"), _("two levels fire at the same time; merge their notify lists"))
        afters.add(level.after)
        for j, target in enumerate(level.notify):
            if target not in config.notify:
                at(("escalation", i, "notify", j), _(_UNKNOWN_TARGET).format(target=repr(target), name=target))
    for i, inject in enumerate(playbook.drill.injects):
        if inject.fault and inject.fault.supplier not in suppliers:
            at(("drill", "injects", i, "fault", "supplier"), _("unknown supplier {id} (not in warroom.toml)").format(id=repr(inject.fault.supplier)))
        if inject.expect and inject.expect not in seen:
            at(("drill", "injects", i, "expect"), _("{id} is neither a step nor a decision of this playbook").format(id=repr(inject.expect)))
    reported: set[str] = set()
    for i, obligation in enumerate(playbook.reporting):
        if obligation.id in reported:
            at(("reporting", i, "id"), _("duplicate obligation id {id}").format(id=repr(obligation.id)))
        reported.add(obligation.id)
        if obligation.significance and seen.get(obligation.significance) != "decision":
            at(("reporting", i, "significance"), _("{id} is not a decision of this playbook").format(id=repr(obligation.significance)))
        for j, target in enumerate(obligation.notify):
            if target not in config.notify:
                at(("reporting", i, "notify", j), _(_UNKNOWN_TARGET).format(target=repr(target), name=target))
    return problems


def load_file(path: Path, shown: str, config: Config) -> PlaybookFile:
    entry = PlaybookFile(path=path, shown=shown)
    try:
        entry.playbook, entry.locator = tomlsource.load(path, shown, Playbook)
    except InvalidFile as exc:
        entry.problems = exc.problems
        return entry
    entry.problems = cross_check(entry.playbook, config, shown, entry.locator)
    return entry


def load_library(paths: list[tuple[Path, str]], config: Config) -> list[PlaybookFile]:
    """Every file loaded, plus the one problem no file shows alone: two files with one id, which
    is a problem of each (neither may silently win)."""
    entries = [load_file(path, shown, config) for path, shown in paths]
    by_id: dict[str, list[PlaybookFile]] = {}
    for entry in entries:
        if entry.playbook is not None:
            by_id.setdefault(entry.playbook.id, []).append(entry)
    for playbook_id, same in by_id.items():
        for entry in same if len(same) > 1 else []:
            others = ", ".join(other.shown for other in same if other is not entry)
            entry.problems.append(tomlsource.problem(entry.shown, entry.locator, ("id",),
                                                     _("duplicate playbook id {id} (also in {files})").format(id=repr(playbook_id), files=others)))
    return entries


def find(entries: list[PlaybookFile], playbook_id: str) -> Playbook:
    """The valid playbook with this id, or InvalidFile with the problems of every file that has
    it (two files with one id: both named), or BadInput naming the ids there are."""
    found = [entry for entry in entries if entry.playbook and entry.playbook.id == playbook_id]
    problems = [problem for entry in found for problem in entry.problems]
    if problems:
        raise InvalidFile(problems)
    if found:
        return found[0].playbook
    known = sorted(e.playbook.id for e in entries if e.playbook and not e.problems)
    raise BadInput(_("unknown playbook {id} (known: {ids})").format(id=repr(playbook_id), ids=", ".join(known) or _("none")))
