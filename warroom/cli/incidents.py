"""Incident commands: incident, step, escalation, fallback, fallbacks, log, suggestion (DESIGN §6).

Every action builds its command object (warroom.services.commands) and runs it as the TUI does;
the words a command accepts (step actions, log kinds, fallback results) are the vocabulary's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from warroom import i18n
from warroom import words as vocabulary
from warroom.cli import Env, pass_env
from warroom.cli.language import Command, Group
from warroom.cli.output import echo, echo_json, entry, widest
from warroom.cli.params import INCIDENT, LEVEL, SEQ, SPEED, TEXT
from warroom.i18n import N_, _
from warroom.services import commands
from warroom.text import line
from warroom.vocabulary import FallbackResult, LogKind, Mode, StepAction, words
from warroom.vocabulary import Status as IncidentStatus

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.services.views import IncidentView


@dataclass
class Reading:
    config: Config
    now: datetime
    session: Any  # a read transaction (the faces never name the SQL layer's types)


@contextmanager
def reading(env: Env) -> Iterator[Reading]:
    """The home's config and one read transaction at the reading commands' clock (env.clock: the
    system's, or $WARROOM_NOW): what every command that shows something needs."""
    from warroom.services import library

    now = env.clock.now()
    home = env.home.require()
    config = library.config(home)
    store = home.open_store()
    try:
        with store.read() as session:
            yield Reading(config, now, session)
    finally:
        store.dispose()


def to_json(value: Any) -> Any:
    from warroom.services.views import to_json  # the read models: not loaded by a write

    return to_json(value)


def context(env: Env) -> commands.Context:
    """Who acts, now, in which home: read before the command is built (`--at` is relative to now).
    The config is checked in full, and the record of that check kept for `warroom log`."""
    from warroom.clock import SystemClock
    from warroom.services import library

    home = env.home.require()
    clock = SystemClock()
    return commands.context(home, library.config(home, remember=True), clock.now(), clock)


def act(command: commands.Command, ctx: commands.Context) -> None:
    """Run one command as the TUI runs it, and print its outcome: the value a script reads (an id, a
    seq) where it has one, else the line for a person."""
    store = ctx.home.open_store()
    try:
        outcome = commands.execute(store, command, ctx)
    finally:
        store.dispose()
    echo(str(outcome.value) if outcome.value is not None else outcome.message)
    if outcome.notice and not outcome.error and outcome.value is not None:
        echo(outcome.message, err=True)
    if outcome.error:  # recorded, and the record says it failed: the script must learn it too
        from warroom.errors import WarroomError

        raise WarroomError(outcome.message)


@click.group(cls=Group, help=N_("Start, list, show and move incidents through open → stabilised → resolved → closed."))
def incident() -> None:
    pass


@incident.command(help=N_("Start an incident from a playbook; prints only the new incident's id."))
@click.argument("playbook_id", metavar="PLAYBOOK", type=TEXT)
@click.option("--drill", is_flag=True, help=N_("Run it as a drill (fixed at start)."))
@click.option("--speed", type=SPEED, default=1.0, metavar="N",
              help=N_("A drill only: run every playbook time (steps, ladder, decisions, injects, targets) N times faster."))
@pass_env
def start(env: Env, playbook_id: str, drill: bool, speed: float) -> None:
    # Each command's help is marked N_() in its decorator (language.Command shows it translated).
    act(commands.StartIncident(playbook_id, Mode.DRILL if drill else Mode.LIVE, speed), context(env))


@incident.command("list", help=N_("Every incident, newest first."))
@click.option("--json", "as_json", is_flag=True)
@pass_env
def list_(env: Env, as_json: bool) -> None:
    from warroom.services import incidents

    with reading(env) as w:
        rows = incidents.listing(w.session)
    if as_json:
        echo_json(to_json(rows))
        return
    from warroom.clock import local

    zone = w.config.settings.timezone
    modes, statuses = widest(vocabulary.MODE, Mode), widest(vocabulary.INCIDENT_STATUS, IncidentStatus)
    for r in rows:
        mode = vocabulary.shown(r.mode, vocabulary.MODE).upper()
        status = vocabulary.shown(r.status, vocabulary.INCIDENT_STATUS)
        echo(f"#{r.id:<4} {mode:<{modes}} {status:<{statuses}} {local(r.opened_at, zone, '%Y-%m-%d %H:%M')}  {line(r.title)}")


@incident.command(help=N_("The incident's state and its timeline."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--json", "as_json", is_flag=True, help=N_("The export's JSON shape plus steps, ladder, fallbacks, open decisions."))
@pass_env
def show(env: Env, incident_id: int, as_json: bool) -> None:
    from warroom.services import incidents

    with reading(env) as w:
        view = incidents.show(w.session, incident_id, w.config, w.now)
    if as_json:
        echo_json(to_json(view))
        return
    echo(_render(view, w.config.settings.timezone))


def _render(view: IncidentView, zone: str) -> str:
    """The incident for a person: every field one line, a multi-line log entry indented under its row."""
    from warroom.clock import local

    def t(when: datetime | None, seconds: bool = False) -> str:
        return local(when, zone, "%H:%M:%S" if seconds else "%H:%M")

    i = view.incident
    mode = vocabulary.shown(i.mode, vocabulary.MODE).upper()
    faster = _(" · {speed}× faster").format(speed=i18n.figure(i.speed)) if i.speed != 1 else ""
    status = vocabulary.shown(i.status, vocabulary.INCIDENT_STATUS).upper()
    lines = [_("#{id} {mode}{faster} · {title} · {status} · opened {when} by {who}").format(
        id=i.id, mode=mode, faster=faster, title=line(i.title), status=status,
        when=local(i.opened_at, zone, '%Y-%m-%d %H:%M %Z'), who=line(i.opened_by)), "", _("Steps")]
    marks = {"pending": "☐", "started": "▶", "done": "✔", "skipped": "–"}
    overdue = _("  !overdue")
    for s in view.steps:
        late = overdue if s.overdue else ""
        due = _("  due {time}").format(time=t(s.due_at)) if s.due_at and s.status in ("pending", "started") else ""
        lines.append(f"  {marks[s.status]} {line(s.id):<20} {line(s.title)}{due}{late}")
    if view.ladder:
        lines += ["", _("Escalation")]
        for level in view.ladder:
            if level.state == "acknowledged":
                extra = _(" by {who}").format(who=line(level.acked_by))
            elif level.state == "fired":
                extra = _(" at {time}").format(time=t(level.fired_at, True))
            else:
                extra = _(" due {time}").format(time=t(level.due_at, True))
            lines.append(f"  L{level.level} {line(level.who):<36} {vocabulary.shown(level.state, vocabulary.LEVEL_STATE)}{extra}")
    if view.fallbacks:
        lines += ["", _("Fallbacks")]
        for f in view.fallbacks:
            # TRANSLATORS: a fallback of an incident: activated now, or available to activate
            state = _("ACTIVE") if f.active else _("available")
            needs = _("  (needs a decision)") if f.needs_decision and not f.active else ""
            lines.append(f"  {line(f.id):<20} {state}{needs}")
    if view.open_decisions:
        lines += ["", _("Open decisions")]
        for d in view.open_decisions:
            lines.append(f"  {line(d.id):<20} {line(d.question)}" + (overdue if d.overdue else ""))
    lines += ["", _("Log")]
    for e in view.events:
        row = f"  {e.seq:>6}  {t(e.at, True)}  {line(e.actor):<8} "
        lines.append(row + entry(e.said(view.incident.id), len(row)))
    lines.append("")
    lines.append(_("chain: verified, complete") if view.chain.verified
                 else _("chain: NOT VERIFIED: {problem}").format(problem=line(view.chain.problem)))
    return "\n".join(lines)


TRANSITION_HELP = {
    IncidentStatus.STABILISED: N_("Mark the incident stabilised."),
    IncidentStatus.RESOLVED: N_("Mark the incident resolved."),
    IncidentStatus.CLOSED: N_("Mark the incident closed."),
}


def _transition(to: IncidentStatus):
    @click.argument("incident_id", metavar="ID", type=INCIDENT)
    @click.option("--note", type=TEXT, help=N_("Why, in a few words."))
    @pass_env
    def command(env: Env, incident_id: int, note: str | None) -> None:
        act(commands.Transition(incident_id, to, note), context(env))

    return command


for _name, _to in (("stabilise", IncidentStatus.STABILISED), ("resolve", IncidentStatus.RESOLVED), ("close", IncidentStatus.CLOSED)):
    incident.command(_name, help=TRANSITION_HELP[_to])(_transition(_to))


@click.command(cls=Command, help=N_("Start, finish or skip a step of an incident."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("step_id", metavar="STEP", type=TEXT)
@click.argument("action", type=click.Choice(words(StepAction)))
@click.option("--note", type=TEXT, help=N_("What was done, or why it was skipped."))
@pass_env
def step(env: Env, incident_id: int, step_id: str, action: str, note: str | None) -> None:
    act(commands.MarkStep(incident_id, step_id, StepAction(action), note), context(env))


@click.group(cls=Group, help=N_("The escalation ladder."))
def escalation() -> None:
    pass


@escalation.command(help=N_("Acknowledge a fired escalation level (records who)."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("level", type=LEVEL)
@pass_env
def ack(env: Env, incident_id: int, level: int) -> None:
    act(commands.AcknowledgeEscalation(incident_id, level), context(env))


@click.group(cls=Group, help=N_("Activate or stand down a fallback of the register during an incident."))
def fallback() -> None:
    pass


@fallback.command(help=N_("Switch to a fallback; its activation steps join the incident's checklist."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("fallback_id", metavar="FALLBACK", type=TEXT)
@click.option("--reason", type=TEXT, help=N_("Why; required (and logged as a decision) where the register says needs_decision."))
@click.option("--decision", "decision_id", metavar="DECISION_ID", type=TEXT,
              help=N_("The playbook's expected decision this activation answers: the reason is logged as it, which closes it."))
@pass_env
def activate(env: Env, incident_id: int, fallback_id: str, reason: str | None, decision_id: str | None) -> None:
    act(commands.ActivateFallback(incident_id, fallback_id, reason, decision_id), context(env))


@fallback.command(help=N_("Stand a fallback down, saying how it went."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("fallback_id", metavar="FALLBACK", type=TEXT)
@click.option("--reason", type=TEXT, help=N_("Why it is stood down."))
@click.option("--result", type=click.Choice(words(FallbackResult)), help=N_("How it went: kept in the register."))
@pass_env
def deactivate(env: Env, incident_id: int, fallback_id: str, reason: str | None, result: str | None) -> None:
    act(commands.DeactivateFallback(incident_id, fallback_id, FallbackResult(result) if result else None, reason), context(env))


@click.command("fallbacks", cls=Command, help=N_("The fallback register: owner, active, last exercised and result, overdue."))
@click.option("--json", "as_json", is_flag=True)
@pass_env
def fallbacks_(env: Env, as_json: bool) -> None:
    from warroom.services import fallbacks

    with reading(env) as w:
        rows = fallbacks.register(w.session, w.config, w.now)
    if as_json:
        echo_json(to_json(rows))
        return
    from warroom.clock import local

    zone = w.config.settings.timezone
    for r in rows:
        last = r.last_exercised
        if last:
            how = f"{vocabulary.shown(last.mode, vocabulary.MODE)} #{last.incident}" + (
                f", {vocabulary.shown(last.result, vocabulary.FALLBACK_RESULT)}" if last.result else _(", no result said"))
            note = f": {last.note}" if last.note else ""
            exercised = _("last exercised {date} ({how})").format(date=local(last.at, zone, '%Y-%m-%d'), how=how + note)
        else:
            exercised = _("NEVER EXERCISED")
        flags = _(" ⚠ overdue (past test_every)") if r.overdue and last else ""
        active = _("  ACTIVE since {when} (#{incident})").format(
            when=local(r.active.since, zone, '%Y-%m-%d %H:%M'), incident=r.active.incident) if r.active else ""
        echo(_("{id} {supplier} owner {owner} {exercised}").format(
            id=f"{line(r.id):<22}", supplier=f"{line(r.supplier):<11}", owner=f"{line(r.owner):<7}", exercised=exercised) + flags + active)


@click.command("log", cls=Command, help=N_("Add to the decision log; prints the entry's seq (what --corrects names)."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("text", type=TEXT)
@click.option("--kind", default=LogKind.DECISION.value, type=click.Choice(words(LogKind)))
@click.option("--rationale", type=TEXT, help=N_("Why it was decided."))
@click.option("--decision", "decision_id", metavar="DECISION_ID", type=TEXT, help=N_("The playbook's expected decision this answers."))
@click.option("--corrects", type=SEQ, metavar="SEQ", help=N_("The log entry (seq) this corrects; the old one stays."))
@click.option("--at", "at", metavar="TIME", type=TEXT, help=N_("When it happened, if not now: 10:05, 2026-11-29 10:05, or ISO 8601."))
@pass_env
def log_(env: Env, incident_id: int, text: str, kind: str, rationale: str | None, decision_id: str | None, corrects: int | None, at: str | None) -> None:
    from warroom.clock import SystemClock, parse_when
    from warroom.errors import BadInput

    # A log entry needs of the config only who acts and the time zone: from the record of this very
    # warroom.toml, checked before, when there is one to trust (no pydantic on the scribe's path).
    clock = SystemClock()
    ctx = commands.writing(env.home.require(), clock.now(), clock)
    try:
        occurred = parse_when(at, ctx.timezone, ctx.now) if at is not None else None
    except ValueError as exc:
        raise BadInput(f"--at: {exc}") from None
    act(commands.LogEntry(incident_id, text, LogKind(kind), rationale, decision_id, corrects, occurred), ctx)


@click.group(cls=Group, help=N_("The playbooks the monitor suggests when a trigger holds (the board's suggestion bar)."))
def suggestion() -> None:
    pass


@suggestion.command("list", help=N_("Suggestions of the last day nobody has answered, newest first: seq (what dismiss takes), playbook, why."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: a list of objects with seq, at, playbook, supplier, summary."))
@pass_env
def suggestion_list(env: Env, as_json: bool) -> None:
    from warroom.services import suggestions

    with reading(env) as w:
        rows = suggestions.pending(w.session, w.now)
    if as_json:
        echo_json(to_json(rows))
        return
    from warroom.clock import local

    for r in rows:
        echo(f"{r.seq:>6}  {local(r.at, w.config.settings.timezone, '%Y-%m-%d %H:%M')}  {line(r.playbook):<28} {line(r.said or r.summary)}")


@suggestion.command(help=N_("Dismiss a suggestion without starting its playbook (logged, with who): the board's x."))
@click.argument("seq", metavar="ID", type=SEQ)
@pass_env
def dismiss(env: Env, seq: int) -> None:
    act(commands.DismissSuggestion(seq), context(env))


COMMANDS = [incident, step, escalation, fallback, fallbacks_, log_, suggestion]
