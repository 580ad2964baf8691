"""Exporting an incident from its room (`E`): which format, where to, and the export itself, run
off the UI loop through the same service function as `warroom export` (services/exports.export),
so the file is the one the CLI writes. The room says where the file went, by its full path: over
SSH, that is what a coordinator copies with scp.

The default place is the folder the TUI was started from (an SSH login's home folder, where `ls`
and `scp host:FILE .` look first), or the user's home folder when that one cannot be written. The
path a person types is data: shown through text.line, never as markup. An existing file is
replaced only once its owner says so."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from warroom import text
from warroom.export import EXTENSIONS
from warroom.i18n import N_, _
from warroom.tui import literal
from warroom.tui.dialogs import AskText, Choose, Confirm

if TYPE_CHECKING:
    from warroom.services.views import IncidentView
    from warroom.tui.app import WarroomApp

FORMAT_LABELS = [("md", N_("Markdown report, for the minutes (md)")), ("html", N_("HTML page, for screen and print (html)")),
                 ("json", N_("signed JSON timeline, verifiable (json)")), ("csv", N_("CSV, one event a row, for spreadsheets (csv)")),
                 ("sitrep", N_("situation report, for a shift handover (sitrep, Markdown)"))]
REPORT = "report:"  # a choice's value prefix: a draft legal report of this obligation


def choices(view: IncidentView) -> list[tuple[str, str]]:
    """The formats, and a draft report for each of the incident's reporting obligations."""
    reports = [(f"{REPORT}{c.id}", _("draft report: {title} ({id}, to {recipient})").format(title=c.title, id=c.id, recipient=c.recipient))
               for c in view.reporting]
    return [*((fmt, _(label)) for fmt, label in FORMAT_LABELS), *reports]


def default_folder() -> Path:
    here = Path.cwd()
    return here if os.access(here, os.W_OK | os.X_OK) else Path.home()


def file_name(incident_id: int, fmt: str, obligation: str | None) -> str:
    suffix = "-sitrep" if fmt == "sitrep" else f"-report-{obligation}" if obligation else ""
    return f"incident-{incident_id}{suffix}.{EXTENSIONS[fmt]}"


def target_of(typed: str, folder: Path) -> Path:
    """The path typed, made whole: `~` is the user's home, a relative path is in `folder`."""
    path = Path(typed.strip()).expanduser()
    return path if path.is_absolute() else folder / path


def start(app: WarroomApp, view: IncidentView) -> None:
    """Ask the format, then the path, then write: the room's `E`."""
    incident_id = view.incident.id
    options = choices(view)

    def chosen(choice: str | None) -> None:
        if not choice:
            return
        fmt, obligation = ("report", choice.removeprefix(REPORT)) if choice.startswith(REPORT) else (choice, None)
        folder = default_folder()

        def placed(typed: str | None) -> None:
            if typed:
                run(app, incident_id, fmt, obligation, target_of(typed, folder))

        app.push_screen(AskText(_("Export incident #{id} ({format}) to which file? (enter writes it, esc cancels)").format(id=incident_id, format=fmt),
                                required=True, refusal=_("Name the file to write (esc cancels)."), value=str(folder / file_name(incident_id, fmt, obligation))), placed)

    app.push_screen(Choose(_("Export incident #{id} as:").format(id=incident_id), options), chosen)


def run(app: WarroomApp, incident_id: int, fmt: str, obligation: str | None, target: Path, replace: bool = False) -> None:
    """Write the export in a worker thread: 100,000 events take seconds, the room keeps moving."""
    app.run_worker(lambda: _write(app, incident_id, fmt, obligation, target, replace), thread=True, group="export",
                   exit_on_error=False, description=_("export of incident #{id}").format(id=incident_id))


def _write(app: WarroomApp, incident_id: int, fmt: str, obligation: str | None, target: Path, replace: bool) -> None:
    from warroom import identity
    from warroom.errors import WarroomError
    from warroom.services import exports

    shown = text.line(str(target))
    if (home := app.loaded_home()) is None:
        literal.notify(app, _("nothing was exported: the war-room could not be loaded (the board says why)"), severity="error")
        return
    config, store = home
    try:
        exports.check_target(target, replace)
        signer, unsigned = exports.signer(app.home) if fmt == "json" else (None, None)
        literal.notify(app, _("exporting incident #{id} ({format}) to {path} …").format(id=incident_id, format=fmt, path=shown), timeout=3)
        with store.read() as session:
            chain = exports.export(session, incident_id, config, app.clock.now(), fmt, target, user=identity.os_user(),
                                   signer=signer, obligation=obligation, replace=replace)
    except exports.Exists:
        def answered(yes: bool | None) -> None:
            if yes:
                run(app, incident_id, fmt, obligation, target, replace=True)
            else:
                literal.notify(app, _("not exported: {path} is there already and was left as it was").format(path=shown))

        app.call_from_thread(app.push_screen, Confirm(_("{path} is there already. Replace it with this export?").format(path=shown)), answered)
        return
    except WarroomError as exc:
        literal.notify(app, _("not exported: {why}").format(why=text.line(str(exc))), severity="error", timeout=12)
        return
    except OSError as exc:
        literal.notify(app, _("not exported: {path}: {why}").format(path=shown, why=exc.strerror or exc), severity="error", timeout=12)
        return
    said = dict(id=incident_id, format=fmt, path=shown)
    if chain is not None and not chain["verified"]:
        literal.notify(app, _("exported incident #{id} ({format}) to {path}; its events do not verify ({problem}): the export says so").format(
            problem=text.line(str(chain["problem"])), **said), severity="warning", timeout=20)
    elif unsigned:
        literal.notify(app, _("exported incident #{id} ({format}) to {path}, unsigned: {why}").format(why=text.line(unsigned), **said),
                       severity="warning", timeout=20)
    else:
        literal.notify(app, _("exported incident #{id} ({format}) to {path}").format(**said), timeout=20)
