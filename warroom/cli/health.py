"""Supplier health commands: check, status, monitor, simulate."""

from __future__ import annotations

import math

import click

from warroom import words as vocabulary
from warroom.cli import Env, pass_env
from warroom.cli.language import Command, Group
from warroom.cli.output import echo, echo_json, widest
from warroom.cli.params import PORT, TEXT
from warroom.health.shown import detail as shown_detail
from warroom.health.shown import uptime_text
from warroom.i18n import N_, _, ngettext, number
from warroom.services.views import to_json
from warroom.text import line
from warroom.vocabulary import SimulatorMode, words


def _state(state: str, via: str | None) -> str:
    """A supplier's state as shown: `down via PARENT` when a supplier it runs on is what is down."""
    shown = vocabulary.shown(state, vocabulary.SUPPLIER_STATE)
    return _("{state} via {parent}").format(state=shown, parent=line(via)) if via else shown


def _latency(ms: float | None) -> str:
    return _("{ms} ms").format(ms=number(ms)) if ms is not None else "—"


@click.command(cls=Command, help=N_("Check every supplier once and print what each is now, without waiting for confirmation. "
                                    "Down suppliers are data, not failure: the exit code is 0."))
@click.option("--once", is_flag=True, required=True, help=N_("Check every supplier once now (the monitor checks continuously)."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: a list of objects with id, state, latency_ms, detail, checked_at."))
@pass_env
def check(env: Env, once: bool, as_json: bool) -> None:
    import asyncio

    from warroom.monitor.service import check_once

    rows = asyncio.run(check_once(env.home.require()))
    if as_json:
        echo_json(to_json(rows))
        return
    from warroom.symbols import SUPPLIER

    for row in rows:
        echo(f"{SUPPLIER[row.state]} {line(row.id):<16} {_state(row.state, row.via):<22} {_latency(row.latency_ms):>9}  {line(shown_detail(row.detail))}")
        if row.disagreement:
            echo(f"  ! {line(row.disagreement)}")


@click.command(cls=Command, help=N_("Suppliers (state, since, via parent, maintenance) and the crucial services they hit."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: suppliers, services hit."))
@pass_env
def status(env: Env, as_json: bool) -> None:
    from warroom import symbols
    from warroom.cli.incidents import reading
    from warroom.clock import local
    from warroom.services import health, history

    with reading(env) as read:
        config = read.config
        view = history.attach(read.session, config, health.status(read.session, config, read.now))
    if as_json:
        echo_json(to_json(view))
        return
    zone = config.settings.timezone
    echo(_("Suppliers"))
    drill_mark = vocabulary.shown("drill", vocabulary.MODE).upper()
    for s in view.suppliers:
        state = _state(s.state, s.via)
        state += f" {drill_mark} #{s.drill}" if s.drill is not None else ""  # a drill's fault, not an outage
        since = local(s.since, zone, "%Y-%m-%d %H:%M") if s.since else ""
        flags = _(" (stale: no recent check)") if s.stale else ""
        month = s.availability["30d"] if s.availability else None
        flags += _("  30 d {uptime}").format(uptime=uptime_text(month)) if month is not None and month.uptime is not None else ""
        if s.fallback:
            flags += _("  [fallback {id} active since {when}, #{incident}]").format(
                id=line(s.fallback.id), when=local(s.fallback.since, zone), incident=s.fallback.incident)
        echo(f"  {symbols.SUPPLIER[s.state]} {line(s.id):<16} {state:<22} {_latency(s.latency_ms):>9}  "
             + _("since {when}").format(when=since or '—') + f"  {line(s.detail)}{flags}")
        if s.disagreement:
            echo(f"      ! {line(s.disagreement)}")
    if view.incidents:
        from warroom.vocabulary import Mode, Status

        echo(_("Incidents"))
        modes, statuses = widest(vocabulary.MODE, Mode), widest(vocabulary.INCIDENT_STATUS, Status)
        for i in view.incidents:
            nxt = _("  next escalation L{level} at {when}").format(
                level=i.next_escalation.level, when=local(i.next_escalation.due_at, zone)) if i.next_escalation else ""
            mode = vocabulary.shown(i.mode, vocabulary.MODE).upper()
            status = vocabulary.shown(i.status, vocabulary.INCIDENT_STATUS)
            echo(f"  #{i.id:<4} {mode:<{modes}} {status:<{statuses}} {line(i.title)}{nxt}")
            owed = [_("L{level} fired at {when}, not acknowledged ({who})").format(level=f.level, when=local(f.fired_at, zone), who=line(f.who))
                    for f in i.fired_unacknowledged]
            owed += [ngettext("{n} late step", "{n} late steps", i.late_steps).format(n=i.late_steps)] if i.late_steps else []
            owed += [ngettext("{n} decision overdue", "{n} decisions overdue", i.overdue_decisions).format(n=i.overdue_decisions)] \
                if i.overdue_decisions else []
            if owed:
                echo(f"        ! {' · '.join(owed)}")
    hit = [v for v in view.services if v.through]
    unknown = [v for v in view.services if v.state == "unknown"]
    if not hit:
        echo(_("Crucial services: all up") if not unknown else ngettext(
            "Crucial services: none known to be hit; {n} not known (suppliers never checked)",
            "Crucial services: none known to be hit; {n} not known (suppliers never checked)", len(unknown)).format(n=len(unknown)))
    else:
        echo(_("Crucial services hit"))
    for v in hit:
        through = ", ".join(line(t.supplier) + (_(" (via {parent})").format(parent=line(t.via)) if t.via else "")
                            + f" {vocabulary.shown(t.state, vocabulary.SUPPLIER_STATE)}"
                            + (f" {drill_mark} #{t.drill}" if t.drill is not None else "") for t in v.through)
        echo(f"  {symbols.SUPPLIER[v.state]} {line(v.sector).upper():<8} {line(v.name)}: {through}")


def _finite(ctx: click.Context, param: click.Parameter, given: float) -> float:
    if not math.isfinite(given):  # a range lets nan through
        raise click.BadParameter(_("{value} is not a number of seconds").format(value=given), ctx=ctx, param=param)
    return given


@click.command(cls=Command, help=N_("Run the health checks (and later escalation deadlines and injects) while holding the lease. "
                                    "Start one per host as a service; a second one stands by and takes over within seconds."))
@click.option("--nice", "nice", type=click.IntRange(0, 19), default=10, show_default=True,
              help=N_("Lower the monitor's CPU priority by this much, so TUIs on the same cores answer keys first (0: keep it)."))
@click.option("--lease", "lease_seconds", type=click.FloatRange(2, 600), default=10, show_default=True, callback=_finite,
              help=N_("Seconds this monitor's lease holds unrenewed: should it fall silent, a standby monitor takes over this long after. "
                      "Shorter fails over sooner; too short for a slow disk, and monitors take turns."))
@pass_env
def monitor(env: Env, nice: int, lease_seconds: float) -> None:
    import asyncio
    import signal

    from warroom.monitor import alive
    from warroom.monitor.service import Monitor, database_threads, lower_priority

    home = env.home.require()
    database = database_threads()  # before the priority drops: they keep this one
    echo(_("monitor: {priority}").format(priority=lower_priority(nice)))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.set_default_executor(database)  # asyncio.to_thread, the monitor's every database call, runs there
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        monitor = Monitor(home, say=echo, lease_ttl=lease_seconds, renew_every=min(3.0, lease_seconds / 3))  # a home it cannot run in is refused before anything is made in it
        # Its descriptor is never closed: until this process ends, no TUI's keeper starts another monitor here.
        alive.hold(home)
        await monitor.run(stop)

    asyncio.run(main())


def _dependencies(ctx: click.Context, param: click.Parameter, given: tuple[str, ...]) -> dict[str, list[str]]:
    """`CHILD=PARENT[,PARENT…]`, repeated: the suppliers each simulated supplier runs on."""
    import re

    slug = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
    found: dict[str, list[str]] = {}
    for value in given:
        child, equals, parents = value.partition("=")
        names = [p.strip() for p in parents.split(",")]
        if not equals or not slug.match(child.strip()) or not all(slug.match(p) for p in names):
            raise click.BadParameter(_("{value}: write CHILD=PARENT or CHILD=PARENT,PARENT (supplier ids)").format(value=repr(line(value, 60))), ctx, param)
        found.setdefault(child.strip(), []).extend(names)
    return found


@click.group(cls=Group, invoke_without_command=True,
             help=N_("Serve simulated suppliers on 127.0.0.1, with a control API to break them; or, with `set`, "
                     "break or heal one in the simulator the home names."))
@click.option("--port", default=None, type=PORT, help=N_("Port on 127.0.0.1 (default: the demo port, 47800; 0 picks a free one)."))
@click.option("--suppliers", default=0, type=click.IntRange(0, 100_000), help=N_("Pre-register N simulated suppliers sim-0001…"))
@click.option("--depends", "depends_on", multiple=True, type=TEXT, callback=_dependencies, metavar="CHILD=PARENT[,PARENT]",
              help=N_("CHILD runs on PARENT: while PARENT is down (or hangs) CHILD's health fails too, as warroom.toml's depends_on says. Repeatable."))
@click.pass_context
def simulate(ctx: click.Context, port: int | None, suppliers: int, depends_on: dict[str, list[str]]) -> None:
    if ctx.invoked_subcommand is not None:
        if port is not None or suppliers or depends_on:
            raise click.UsageError(_("--port, --suppliers and --depends are for serving; `simulate set` uses the home's [settings] simulator"))
        return
    from warroom.demo import DEMO_PORT
    from warroom.health.simulator import serve

    def ready(bound: int) -> None:
        echo(_("simulator on http://127.0.0.1:{port} (GET /s/ID/health, /s/ID/api/v2/status.json; PUT /_control/ID)").format(port=bound), err=True)
        echo(str(bound))

    try:
        serve(DEMO_PORT if port is None else port, suppliers, ready=ready, depends_on=depends_on)
    except OSError as exc:
        from warroom.errors import WarroomError

        raise WarroomError(_("cannot serve on 127.0.0.1:{port}: {reason}").format(port=port, reason=exc.strerror)) from None


@simulate.command("set", help=N_("Make a simulated supplier up, degraded, down, hang, flap, or report a minor or major incident "
                                   "on its status page (the board's f breaks and heals)."))
@click.argument("supplier_id", metavar="SUPPLIER", type=TEXT)
@click.argument("mode", type=click.Choice(words(SimulatorMode)))
@pass_env
def simulate_set(env: Env, supplier_id: str, mode: str) -> None:
    from warroom.services import library, simulator

    config = library.config(env.home.require())
    simulator.set_mode(config, supplier_id, SimulatorMode(mode))
    echo(_("simulated {supplier}: {mode}").format(supplier=line(supplier_id), mode=mode))


COMMANDS = [check, status, monitor, simulate]
