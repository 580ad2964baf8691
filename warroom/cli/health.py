"""Supplier health commands: check, status, monitor, simulate."""

from __future__ import annotations

import click

from warroom.cli import Env, pass_env
from warroom.cli.output import echo, echo_json
from warroom.cli.params import PORT, TEXT
from warroom.health.shown import uptime_text
from warroom.services.views import to_json
from warroom.text import line
from warroom.vocabulary import SimulatorMode, words


@click.command()
@click.option("--once", is_flag=True, required=True, help="Check every supplier once now (the monitor checks continuously).")
@click.option("--json", "as_json", is_flag=True, help="JSON: a list of objects with id, state, latency_ms, detail, checked_at.")
@pass_env
def check(env: Env, once: bool, as_json: bool) -> None:
    """Check every supplier once and print what each is now, without waiting for confirmation.
    Down suppliers are data, not failure: the exit code is 0."""
    import asyncio

    from warroom.monitor.service import check_once

    rows = asyncio.run(check_once(env.home.require()))
    if as_json:
        echo_json(to_json(rows))
        return
    from warroom.symbols import SUPPLIER

    for row in rows:
        latency = f"{row.latency_ms:,.0f} ms" if row.latency_ms is not None else "—"
        state = f"down via {line(row.via)}" if row.via else row.state
        echo(f"{SUPPLIER[row.state]} {line(row.id):<16} {state:<22} {latency:>9}  {line(row.detail)}")
        if row.disagreement:
            echo(f"  ! {line(row.disagreement)}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON: suppliers, services hit.")
@pass_env
def status(env: Env, as_json: bool) -> None:
    """Suppliers (state, since, via parent, maintenance) and the crucial services they hit."""
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
    echo("Suppliers")
    for s in view.suppliers:
        state = f"down via {line(s.via)}" if s.via else s.state
        state += f" DRILL #{s.drill}" if s.drill is not None else ""  # a drill's fault, not an outage
        latency = f"{s.latency_ms:,.0f} ms" if s.latency_ms is not None else "—"
        since = local(s.since, zone, "%Y-%m-%d %H:%M") if s.since else ""
        flags = " (stale: no recent check)" if s.stale else ""
        month = s.availability["30d"] if s.availability else None
        flags += f"  30 d {uptime_text(month)}" if month is not None and month.uptime is not None else ""
        if s.fallback:
            flags += f"  [fallback {line(s.fallback.id)} active since {local(s.fallback.since, zone)}, #{s.fallback.incident}]"
        echo(f"  {symbols.SUPPLIER[s.state]} {line(s.id):<16} {state:<22} {latency:>9}  since {since or '—'}  {line(s.detail)}{flags}")
        if s.disagreement:
            echo(f"      ! {line(s.disagreement)}")
    if view.incidents:
        echo("Incidents")
        for i in view.incidents:
            nxt = f"  next escalation L{i.next_escalation.level} at {local(i.next_escalation.due_at, zone)}" if i.next_escalation else ""
            echo(f"  #{i.id:<4} {i.mode.upper():<5} {i.status:<10} {line(i.title)}{nxt}")
            owed = [f"L{f.level} fired at {local(f.fired_at, zone)}, not acknowledged ({line(f.who)})"
                    for f in i.fired_unacknowledged]
            owed += [f"{i.late_steps} late step{'s' if i.late_steps != 1 else ''}"] if i.late_steps else []
            owed += [f"{i.overdue_decisions} decision{'s' if i.overdue_decisions != 1 else ''} overdue"] if i.overdue_decisions else []
            if owed:
                echo(f"        ! {' · '.join(owed)}")
    hit = [v for v in view.services if v.through]
    unknown = [v for v in view.services if v.state == "unknown"]
    if not hit:
        echo("Crucial services: all up" if not unknown else f"Crucial services: none known to be hit; {len(unknown)} not known (suppliers never checked)")
    else:
        echo("Crucial services hit")
    for v in hit:
        through = ", ".join(line(t.supplier) + (f" (via {line(t.via)})" if t.via else "") + f" {t.state}"
                            + (f" DRILL #{t.drill}" if t.drill is not None else "") for t in v.through)
        echo(f"  {symbols.SUPPLIER[v.state]} {line(v.sector).upper():<8} {line(v.name)}: {through}")


@click.command()
@click.option("--nice", "nice", type=click.IntRange(0, 19), default=10, show_default=True,
              help="Lower the monitor's CPU priority by this much, so TUIs on the same cores answer keys first (0: keep it).")
@pass_env
def monitor(env: Env, nice: int) -> None:
    """Run the health checks (and later escalation deadlines and injects) while holding the lease.
    Start one per host as a service; a second one stands by and takes over within seconds."""
    import asyncio
    import signal

    from warroom.monitor import alive
    from warroom.monitor.service import Monitor, lower_priority

    home = env.home.require()
    echo(f"monitor: {lower_priority(nice)}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        monitor = Monitor(home, say=echo)  # a home it cannot run in is refused before anything is made in it
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
            raise click.BadParameter(f"{line(value, 60)!r}: write CHILD=PARENT or CHILD=PARENT,PARENT (supplier ids)", ctx, param)
        found.setdefault(child.strip(), []).extend(names)
    return found


@click.group(invoke_without_command=True)
@click.option("--port", default=None, type=PORT, help="Port on 127.0.0.1 (default: the demo port, 47800; 0 picks a free one).")
@click.option("--suppliers", default=0, type=click.IntRange(0, 100_000), help="Pre-register N simulated suppliers sim-0001…")
@click.option("--depends", "depends_on", multiple=True, type=TEXT, callback=_dependencies, metavar="CHILD=PARENT[,PARENT]",
              help="CHILD runs on PARENT: while PARENT is down (or hangs) CHILD's health fails too, as warroom.toml's depends_on says. Repeatable.")
@click.pass_context
def simulate(ctx: click.Context, port: int | None, suppliers: int, depends_on: dict[str, list[str]]) -> None:
    """Serve simulated suppliers on 127.0.0.1, with a control API to break them; or, with `set`,
    break or heal one in the simulator the home names."""
    if ctx.invoked_subcommand is not None:
        if port is not None or suppliers or depends_on:
            raise click.UsageError("--port, --suppliers and --depends are for serving; `simulate set` uses the home's [settings] simulator")
        return
    from warroom.demo import DEMO_PORT
    from warroom.health.simulator import serve

    def ready(bound: int) -> None:
        echo(f"simulator on http://127.0.0.1:{bound} (GET /s/ID/health, /s/ID/api/v2/status.json; PUT /_control/ID)", err=True)
        echo(str(bound))

    try:
        serve(DEMO_PORT if port is None else port, suppliers, ready=ready, depends_on=depends_on)
    except OSError as exc:
        from warroom.errors import WarroomError

        raise WarroomError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None


@simulate.command("set")
@click.argument("supplier_id", metavar="SUPPLIER", type=TEXT)
@click.argument("mode", type=click.Choice(words(SimulatorMode)))
@pass_env
def simulate_set(env: Env, supplier_id: str, mode: str) -> None:
    """Make a simulated supplier up, degraded, down, hang, flap, or report a minor or major incident
    on its status page (the board's f breaks and heals)."""
    from warroom.services import library, simulator

    config = library.config(env.home.require())
    simulator.set_mode(config, supplier_id, SimulatorMode(mode))
    echo(f"simulated {line(supplier_id)}: {mode}")


COMMANDS = [check, status, monitor, simulate]
