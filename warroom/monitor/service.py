"""The monitor: runs the checks in exactly one process, the one holding the lease (DESIGN §4).

APScheduler runs the jobs; the database decides who may run them. Every few seconds the lease job
takes or renews the lease; while it holds it, one interval job per supplier checks that supplier,
the suppliers' first runs spread over the interval so a thousand of them do not fire at once.
Database work runs in threads, never on the event loop, so checks keep their deadlines."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from warroom import durations, eventtext, identity, notify, text, words
from warroom.clock import Clock, SystemClock
from warroom.config import Supplier
from warroom.health import checks
from warroom.health.states import Observation, in_maintenance, observe
from warroom.home import Home
from warroom.i18n import _, number
from warroom.monitor.recorder import Recorder
from warroom.playbooks.schema import Playbook
from warroom.services import drillmarks, drills, escalation, health, lease, library, outbox, views
from warroom.services.actors import Actor
from warroom.store.engine import STORE_FAILURES
from warroom.symbols import SUPPLIER
from warroom.text import line
from warroom.witness import WitnessProblem

log = logging.getLogger("warroom.monitor")


class Monitor:
    def __init__(
        self,
        home: Home,
        *,
        clock: Clock | None = None,
        holder: str | None = None,
        concurrency: int = 100,
        lease_ttl: float = 10.0,
        renew_every: float = 3.0,
        say: Callable[[str], None] = lambda line: None,
    ):
        self.home, self.clock, self.say = home, clock or SystemClock(), say
        self.config = library.config(home)  # without its config a monitor cannot run: that is exit 2
        self.playbooks: list[Playbook] = []  # loaded by run(), off the event loop
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency, self.lease_ttl, self.renew_every = concurrency, timedelta(seconds=lease_ttl), renew_every
        self.origin = identity.origin()
        self._system = Actor("system", "the monitor", "system", self.origin)
        self._marks = drillmarks.Marks()  # who holds which supplier broken: read again only once a drill event or status is new
        self._settled: set[tuple[int, datetime]] = set()  # ended drills with nothing left to heal: not read again
        self._heal_failures: set[tuple[int, str]] = set()  # (drill, supplier) failing to heal, reported once: as its event's key
        # Injects due together are recorded in the order they were due (a fair lock, taken in the
        # order the scheduler starts their jobs); their simulator calls run after, side by side.
        self._injecting = asyncio.Lock()
        self.zone = ZoneInfo(self.config.settings.timezone)
        self.store = home.open_store()
        self.leading = False
        self._announced: str | None = None
        # Made by run(), on its event loop; no job runs before them.
        self.scheduler: AsyncIOScheduler
        self.clients: checks.Clients
        self.semaphore: asyncio.Semaphore
        self._failing: dict[str, str] = {}  # job id → the error last reported for it
        # Checks finishing close together are recorded in one transaction (recorder.py).
        self._recorder: Recorder[tuple[Supplier, Observation, datetime]] = Recorder(
            self._record_all, fatal=(lease.NotLeader, WitnessProblem, *STORE_FAILURES))

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(self._load_playbooks)
        await asyncio.to_thread(checks.preload, ca_files(self.config))
        self.clients = checks.Clients(self.concurrency)
        self.semaphore = asyncio.Semaphore(self.concurrency)
        self.scheduler = AsyncIOScheduler(
            event_loop=asyncio.get_running_loop(),
            # A late job still runs (APScheduler's default grace of 1 s would silently drop it),
            # missed runs collapse into one, and one supplier is never checked twice at once.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        # Job errors are reported by _job_done, one line once per distinct error; APScheduler's own
        # report is a traceback every round (and one for each job cancelled when the monitor stops),
        # and a check slower than its interval would add a "skipped" warning every interval.
        logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self.scheduler.add_listener(self._job_done, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED)
        self.scheduler.add_job(self._lease_tick, "interval", seconds=self.renew_every, id="lease", next_run_time=datetime.now(UTC))
        self.scheduler.add_job(self._witness, "interval", seconds=1, id="witness", next_run_time=datetime.now(UTC))
        self.scheduler.start()
        try:
            await stop.wait()
        finally:
            self.scheduler.shutdown(wait=False)
            await self._recorder.close()
            if self.leading:
                await asyncio.to_thread(self._release)
            await self.clients.aclose()
            self.store.dispose()
            self.say(_("monitor {holder}: stopped").format(holder=text.line(self.holder)))

    def _load_playbooks(self) -> None:
        """The valid playbooks, whose triggers the checks watch. A broken file is named and left
        out; whatever goes wrong here, the checks still run (a playbook never stops the monitor)."""
        try:
            entries = library.library(self.home, self.config)
        except Exception as exc:
            log.debug("loading the playbooks failed", exc_info=exc)
            self.say(line(_("playbooks not loaded ({error}); checking without their triggers").format(error=f"{type(exc).__name__}: {exc}")))
            return
        self.playbooks = [e.playbook for e in entries if e.playbook and not e.problems]
        for entry in entries:
            if entry.problems:
                said = (_("playbook not loaded: {problem} (and {n} more: warroom playbook validate)") if len(entry.problems) > 1
                        else _("playbook not loaded: {problem}"))
                self.say(line(said.format(problem=entry.problems[0], n=len(entry.problems) - 1)))

    # ── the lease ──────────────────────────────────────────────────────────────────────────────

    async def _lease_tick(self) -> None:
        taken = await asyncio.to_thread(self._take)
        if taken.ok and not self.leading:
            self._start_checking()
        elif not taken.ok and self.leading:
            self._stop_checking(_("lost the lease to {holder}").format(holder=taken.holder))
        elif not taken.ok and taken.holder != self._announced:
            self.say(_("standing by: {holder} runs the monitor").format(holder=text.line(taken.holder)))
        self._announced = taken.holder

    def _take(self) -> lease.Taken:
        with self.store.write() as session:
            return lease.take(session, holder=self.holder, now=self.clock.now(), ttl=self.lease_ttl,
                              gap_after=self.config.settings.interval, origin=self.origin)

    def _release(self) -> None:
        with self.store.write() as session:
            lease.release(session, holder=self.holder, now=self.clock.now())

    def _start_checking(self) -> None:
        self.leading = True
        now = datetime.now(UTC)
        count = len(self.config.suppliers)
        for n, supplier in enumerate(self.config.suppliers):
            interval = (supplier.interval or self.config.settings.interval).total_seconds()
            # Evenly over the interval, in the config's order: a thousand suppliers every 5 s are
            # one check each 5 ms, never a handful at once (hashed offsets cluster), so a TUI
            # sharing the cores meets a steady trickle, not bursts.
            spread = n / count * interval
            self.scheduler.add_job(self._check, "interval", seconds=interval, args=[supplier], id=f"check:{supplier.id}",
                                   next_run_time=now + timedelta(seconds=spread), replace_existing=True)
        self.say(_("monitor {holder}: holding the lease, checking {n} suppliers").format(holder=text.line(self.holder), n=len(self.config.suppliers)))

        self.scheduler.add_job(self._sync_deadlines, "interval", seconds=1, id="lead:deadlines", next_run_time=now, replace_existing=True)
        self.scheduler.add_job(self._deliver, "interval", seconds=1, id="lead:outbox", next_run_time=now, replace_existing=True)
        self.scheduler.add_job(self._heal, "interval", seconds=1, id="lead:heal", next_run_time=now, replace_existing=True)
        # At once, then hourly: a monitor restarted more often than hourly must still prune.
        self.scheduler.add_job(self._prune, "interval", hours=1, id="lead:prune", next_run_time=now, replace_existing=True)

    def _stop_checking(self, why: str) -> None:
        self.leading = False
        for job in self.scheduler.get_jobs():
            if job.id.startswith(("check:", "deadline:", "lead:")):
                job.remove()
        self.say(_("monitor {holder}: stopped checking ({why})").format(holder=text.line(self.holder), why=text.line(why)))

    # ── deadlines: escalation levels, late steps and decisions ─────────────────────────────────

    async def _sync_deadlines(self) -> None:
        """Make the scheduler's date jobs match the database's pending deadlines. A deadline that
        passed while no monitor ran gets a run date in the past, and runs at once."""
        def pending():
            with self.store.read() as session:
                return escalation.pending(session, self.config)

        wanted = {d.job_id: d for d in await asyncio.to_thread(pending)}
        existing = set()
        for job in self.scheduler.get_jobs():
            if job.id.startswith("deadline:"):
                if job.id in wanted:
                    existing.add(job.id)
                else:
                    job.remove()  # fired elsewhere, done, acknowledged or the incident resolved
        for job_id, deadline in wanted.items():
            if job_id not in existing:
                self.scheduler.add_job(self._fire, "date", run_date=deadline.due_at, args=[deadline], id=job_id)

    async def _fire(self, deadline) -> None:
        if deadline.kind == "inject":
            await self._fire_inject(deadline)
            return

        def fire():
            with self.store.write() as session:
                return escalation.fire(session, deadline, now=self.clock.now(), config=self.config, holder=self.holder, origin=self.origin)

        try:
            event = await asyncio.to_thread(fire)
        except lease.NotLeader:
            return
        if event:
            self.say(f"{self.clock.now().astimezone(self.zone):%H:%M:%S} #{event['incident_id']} {text.line(eventtext.summary(event))}")

    # ── a drill's injects, and healing what its faults broke ──────────────────────────────────

    async def _fire_inject(self, deadline) -> None:
        """A scripted inject whose time has come: its event first, once (the key decides), then its
        fault set in the simulator (never inside a transaction: the simulator may not answer). The
        event comes first so that the fall this monitor then sees is already the drill's."""
        def record():
            with self.store.write() as session:
                chosen = drills.scripted(session, deadline.incident_id, int(deadline.ref))
                if chosen is None:
                    return None, None
                return chosen, drills.record(session, chosen, now=self.clock.now(), actor=self._system, by_monitor=True, holder=self.holder)

        try:
            async with self._injecting:
                chosen, event = await asyncio.to_thread(record)
        except lease.NotLeader:
            return
        if chosen is None or event is None:
            return
        self.say(f"{self.clock.now().astimezone(self.zone):%H:%M:%S} #{event['incident_id']} {text.line(eventtext.summary(event))}")
        if chosen.fault is None:
            return
        done = await asyncio.to_thread(drills.carry_out, self.store, chosen, event, self.config, now=self.clock.now, actor=self._system, by_monitor=True)
        if done.error is not None:
            self.say(_("drill #{id}: inject {n}: simulated {supplier} NOT set {mode}: {error}").format(
                id=chosen.incident_id, n=chosen.n, supplier=text.line(chosen.fault[0]), mode=chosen.fault[1], error=text.line(done.error)))
        elif done.healed is not None:
            said = (_("drill #{id} ended while inject {n} was set; simulated {supplier} set up again") if done.heal_error is None
                    else _("drill #{id} ended while inject {n} was set; simulated {supplier} could NOT be set up again: {error}"))
            self.say(said.format(id=chosen.incident_id, n=chosen.n, supplier=text.line(done.healed), error=text.line(done.heal_error or "")))

    async def _heal(self) -> None:
        """A drill resolved or closed leaves no simulated supplier broken: each one its faults set
        is set up again, and that is logged. Drills with nothing left to heal are remembered and not
        read again; a simulator call that fails is reported and tried next round, and never keeps
        another drill's supplier from being healed."""
        def unhealed():
            with self.store.read() as session:
                return drills.unhealed(session, self._settled)

        found = await asyncio.to_thread(unhealed)
        self._settled |= found.settled
        for incident_id, supplier in found.pending:
            failed = await asyncio.to_thread(drills.heal, supplier, self.config)
            if failed is not None:
                if (incident_id, supplier) not in self._heal_failures:  # once, not every second (nor per error text: unbounded)
                    self._heal_failures.add((incident_id, supplier))
                    self.say(_("drill #{id}: simulated {supplier} could not be healed, trying again: {error}").format(
                        id=incident_id, supplier=text.line(supplier), error=text.line(failed)))

                    def failure(incident_id=incident_id, supplier=supplier, failed=failed):
                        with self.store.write() as session:  # in the drill's timeline too, once (its key)
                            return drills.record_heal_failed(session, incident_id=incident_id, supplier=supplier, error=failed,
                                                             now=self.clock.now(), holder=self.holder, origin=self.origin)

                    try:
                        await asyncio.to_thread(failure)
                    except lease.NotLeader:
                        return
                continue
            self._heal_failures.discard((incident_id, supplier))

            def record(incident_id=incident_id, supplier=supplier):
                with self.store.write() as session:
                    return drills.record_healed(session, incident_id=incident_id, supplier=supplier, now=self.clock.now(),
                                                holder=self.holder, origin=self.origin)

            try:
                event = await asyncio.to_thread(record)
            except lease.NotLeader:
                return
            if event:
                self.say(f"{self.clock.now().astimezone(self.zone):%H:%M:%S} #{incident_id} {text.line(eventtext.summary(event))}")

    # ── the webhook outbox ─────────────────────────────────────────────────────────────────────

    async def _deliver(self) -> None:
        """POST every due message at once, then record each attempt in its own transaction: one
        message that cannot be sent or recorded never holds back, or repeats, another."""
        def due():
            with self.store.read() as session:
                return [(m.id, m.url, m.payload) for m in outbox.due(session, self.clock.now())]

        messages = await asyncio.to_thread(due)
        if not messages:
            return
        client = self.clients.trusting()
        errors = await asyncio.gather(*(notify.post(client, url, payload) for _, url, payload in messages))

        def record(message_id: int, error: str | None) -> None:
            with self.store.write() as session:
                lease.require(session, holder=self.holder, now=self.clock.now())
                outbox.record_attempt(session, message_id=message_id, error=error, now=self.clock.now(), origin=self.origin)

        for (message_id, _url, _payload), error in zip(messages, errors, strict=True):
            try:
                await asyncio.to_thread(record, message_id, error)
            except lease.NotLeader:
                return  # undelivered attempts stay due; the next leader tries them
            except Exception as exc:  # the others are still recorded
                self._report(f"outbox:{message_id}", exc)

    # ── the witness: each new head signed within a second, whoever wrote it ───────────────────

    async def _witness(self) -> None:
        """In a group home only the key's owner, the monitor's service account, can sign: the
        coordinators' processes leave their heads to this job. It runs in every monitor, leading or
        standing by; one that cannot read the key does nothing."""
        await asyncio.to_thread(self.store.witness_newest)

    # ── one supplier ───────────────────────────────────────────────────────────────────────────

    async def _check(self, supplier: Supplier) -> None:
        observation, now = await observe_supplier(supplier, self.clients, self.semaphore, self.clock)
        try:
            change = await self._recorder.record((supplier, observation, now))
        except lease.NotLeader:
            if self.leading:
                self._stop_checking(_("the lease expired before this round could be recorded"))
            return
        if change:
            how = (_("down via {supplier}").format(supplier=text.line(change.via)) if change.via
                   else words.shown(change.after, words.SUPPLIER_STATE))
            drill = _("[DRILL #{id}]").format(id=change.drill) + " " if change.drill is not None else ""
            self.say(f"{now.astimezone(self.zone):%H:%M:%S} {drill}{SUPPLIER[change.after]} {text.line(supplier.id)} {how} ({text.line(observation.detail)})")

    def _record_all(self, observed) -> list[health.Change | None]:
        with self.store.write() as session:
            return health.record_many(session, observed, config=self.config, playbooks=self.playbooks, holder=self.holder,
                                      origin=self.origin, marks=self._marks)

    async def _prune(self) -> None:
        """Latency samples older than [settings] history go; events never do (health.prune touches
        only the samples table)."""
        def prune() -> int:
            with self.store.write() as session:
                return health.prune(session, before=self.clock.now() - self.config.settings.history)

        if self.leading:
            pruned = await asyncio.to_thread(prune)
            if pruned:
                self.say(_("pruned {n} latency samples older than {span}").format(n=number(pruned), span=durations.format(self.config.settings.history)))

    def _job_done(self, event: JobExecutionEvent) -> None:
        if event.exception is None:
            if self._failing.pop(event.job_id, None) is not None:
                self.say(_("{job} works again").format(job=text.line(event.job_id)))
        elif not isinstance(event.exception, asyncio.CancelledError):  # cancelled: the monitor is stopping
            self._report(event.job_id, event.exception)

    def _report(self, job_id: str, exc: BaseException) -> None:
        """A failing job, said once per distinct error (a monitor that silently stops checking is
        worse than none; one that says so every second buries everything else in its log). The
        traceback goes to the debug log, once too."""
        said = f"{type(exc).__name__}: {exc}"
        if self._failing.get(job_id) == re.sub(r"\d+", "#", said):  # the same error, another round
            return
        self._failing[job_id] = re.sub(r"\d+", "#", said)
        log.debug("job %s failed", job_id, exc_info=exc)
        self.say(_("error in {job}: {error} (said once until it changes or the job works again)").format(job=text.line(job_id), error=text.line(said, 300)))


def database_threads(count: int = 4) -> ThreadPoolExecutor:
    """The threads the monitor's database work runs in (its event loop's default executor), all
    started now: call this before `lower_priority`. On Linux a thread's priority is its own and a
    new thread takes its creator's, so these keep the priority the monitor started with while the
    checks on the event loop run below the TUIs'. A transaction holds the writers' lock that every
    coordinator's write waits for: lowered with the checks, on cores the TUIs keep busy, a thread
    holding it was descheduled for seconds (a log entry waited that long, and the lease ran out)."""
    threads = ThreadPoolExecutor(max_workers=count, thread_name_prefix="warroom-monitor-db")
    started = threading.Barrier(count + 1)
    for _thread in range(count):  # each waits for the others, so each is a thread of its own
        threads.submit(started.wait, 10)
    started.wait(10)
    return threads


def lower_priority(increment: int) -> str:
    """Give the cores to people first: a TUI's key press is waited for, a check 5 ms late is not.
    Only the calling thread's priority drops (and that of the threads it starts later): the threads
    of `database_threads`, started before, keep theirs. Returns what the monitor's log says about it."""
    if increment <= 0:
        return _("running at the priority it was started with (nice {nice})").format(nice=os.nice(0))
    try:
        now = os.nice(increment)
    except OSError as exc:
        return _("could not lower its priority ({error}); running at nice {nice}").format(error=exc.strerror, nice=os.nice(0))
    return _("running at nice {nice}, below the TUIs beside it (--nice 0 keeps the priority it was started with)").format(nice=now)


def ca_files(config) -> set[str | None]:
    return {check.ca_file for supplier in config.suppliers for check in supplier.checks if check.ca_file}


async def observe_supplier(supplier: Supplier, clients: checks.Clients, semaphore: asyncio.Semaphore, clock: Clock):
    """One round of one supplier's checks, all at once, as an observation; and when it was made."""
    async with semaphore:
        results = await asyncio.gather(*(checks.run_with(c, clients) for c in supplier.checks))
    now = clock.now()
    return observe(list(results), maintenance_window=in_maintenance(supplier, now)), now


async def check_once(home: Home, concurrency: int = 100, clock: Clock | None = None) -> tuple[views.CheckRow, ...]:
    """One round of every supplier's checks, reported as it is (no confirmation, nothing recorded)."""
    config = library.config(home)
    await asyncio.to_thread(checks.preload, ca_files(config))
    clients = checks.Clients(concurrency)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(supplier: Supplier):
        try:
            return await observe_supplier(supplier, clients, semaphore, clock or SystemClock())
        except Exception as exc:  # one supplier never hides the others' report
            return Observation("unknown", None, f"check failed: {checks.describe(exc)[0]}", "error"), (clock or SystemClock()).now()

    try:
        rounds = await asyncio.gather(*(one(s) for s in config.suppliers))
    finally:
        await clients.aclose()
    down = {s.id for s, (observation, _) in zip(config.suppliers, rounds, strict=True) if observation.state == "down"}
    return tuple(
        views.CheckRow(id=supplier.id, state=observation.state, latency_ms=observation.latency_ms, detail=observation.detail, checked_at=now,
                       disagreement=observation.disagreement,
                       via=next((p for p in supplier.depends_on if p in down), None) if observation.state == "down" else None)
        for supplier, (observation, now) in zip(config.suppliers, rounds, strict=True))
