"""A war-room under load: N coordinators' TUIs (the real `warroom` app, each on its own pseudo-
terminal, 120x40) on one home, a monitor checking 1,000 simulated suppliers every 5 s, and scripted
coordinators (writer processes, each an actor of its own) logging 10 decisions a second into the
incident the TUIs have open, for ten minutes. Then the same on PostgreSQL, where it is installed.

Measured, beside the issue's targets:
- visibility: from a decision's commit (the writer's clock, taken when its command returned) to the
  first frame of each TUI whose screen (emulated by pyte) shows the decision's unique token —
  p50/p99/max over every TUI and decision; a decision scrolled past before a TUI showed it counts
  as never seen. Floor, same run: a bare process polling the event log every 0.25 s (the TUI's own
  cadence) for new rows, with no rendering.
- every decision whose command reported success is in the log exactly once (counted by token);
- `warroom verify` passes;
- append latency as the writers time it (the whole command: transaction, chain, commit, witness);
  floor, same run and same load: a bare sqlite3 / psycopg writer doing one INSERT a transaction;
- resident memory per TUI (/proc/PID/status), host CPU (/proc/stat) over the run, and the CPU
  seconds of each part (TUIs, monitor, simulator, writers, this process).

    uv run python -m tests.bench.bench_load [--minutes 10] [--tuis 20] [--no-postgres] [--prefill 6000]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
COLUMNS, LINES = 120, 40
TOKEN = re.compile(r"tk\d\d_\d{5}")
ORIGIN = {"host": "bench", "terminal": None, "ssh_client": None}
TICKS = os.sysconf("SC_CLK_TCK")
LAG = 30  # seconds a writer that fell behind its timeline may go on after the run's end; the rest are never made


def token(writer: int, n: int) -> str:
    return f"tk{writer:02d}_{n:05d}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait(condition, limit: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(step)


# ── the writers, the floor writer and the poller: child processes ─────────────────────────────

def until(start: float) -> None:
    """Sleep until the shared monotonic instant `start` (CLOCK_MONOTONIC is system-wide on Linux)."""
    while (left := start - time.monotonic()) > 0:
        time.sleep(min(left, 0.5))


def ready() -> float:
    """Say so once everything is imported and open; the start instant the bench then sends (so a
    slow start on a loaded host is not made up by a burst)."""
    print("ready", flush=True)
    return float(sys.stdin.readline())


def finish(out) -> None:
    print(json.dumps({"out": out, "cpu": time.process_time()}))


def writer(root: str, number: str, rate: str, seconds: str, profile: str = "") -> None:
    """A scripted coordinator, `scribe-N`: logs a decision every 1/rate s on a fixed timeline from the
    start instant. Prints [token, commit time, latency, error] per decision."""
    from warroom.clock import SystemClock
    from warroom.home import Home
    from warroom.services import actors, commands, library
    from warroom.vocabulary import LogKind

    n, period = int(number), 1 / float(rate)
    home = Home(Path(root), os.environ.get("WARROOM_DB"))
    config = library.config(home)
    actor = actors.resolve(config, f"scribe-{n}", ORIGIN)
    store = home.open_store()
    clock, out = SystemClock(), []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    t0 = ready()
    until(t0)
    k, stop = 0, t0 + float(seconds) + LAG
    while (due := t0 + k * period) < t0 + float(seconds) and time.monotonic() < stop:
        until(due)
        name = token(n, k)
        began = time.perf_counter()
        try:
            if profiler is not None:
                profiler.enable()
            commands.execute(store, commands.LogEntry(1, f"{name} decision by scribe-{n}", LogKind.DECISION),
                             commands.Context(home, config, actor, clock.now()))
            if profiler is not None:
                profiler.disable()
            out.append([name, time.monotonic(), time.perf_counter() - began, None])
        except Exception as exc:  # reported, not recorded as a success: "lost" counts only successes
            out.append([name, time.monotonic(), time.perf_counter() - began, f"{type(exc).__name__}: {exc}"])
        k += 1
    store.dispose()
    if profiler is not None:
        profiler.dump_stats(profile)
    finish(out)


def floor_writer(target: str, rate: str, seconds: str) -> None:
    """Bare sqlite3 (WAL, synchronous=FULL) or bare psycopg: one INSERT a transaction, timed."""
    period = 1 / float(rate)
    if target.startswith("postgresql"):
        import psycopg

        connection = psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://"))
        connection.execute("CREATE TABLE IF NOT EXISTS bare_event (seq SERIAL PRIMARY KEY, at TEXT, actor TEXT, summary TEXT, data TEXT)")
        connection.commit()

        def insert(k: int) -> None:
            connection.execute("INSERT INTO bare_event (at, actor, summary, data) VALUES (%s, %s, %s, %s)",
                               (str(time.time()), "floor", f"decision {k}", json.dumps({"n": k})))
            connection.commit()
    else:
        import sqlite3

        connection = sqlite3.connect(target, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("CREATE TABLE IF NOT EXISTS bare_event (seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, summary TEXT, data TEXT)")

        def insert(k: int) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO bare_event (at, actor, summary, data) VALUES (?, ?, ?, ?)",
                               (str(time.time()), "floor", f"decision {k}", json.dumps({"n": k})))
            connection.execute("COMMIT")
    t0 = ready()
    until(t0)
    out, k = [], 0
    while (due := t0 + k * period) < t0 + float(seconds) and time.monotonic() < t0 + float(seconds) + LAG:
        until(due)
        began = time.perf_counter()
        insert(k)
        out.append(time.perf_counter() - began)
        k += 1
    connection.close()
    finish(out)


def poller(root: str, seconds: str) -> None:
    """The visibility floor: every 0.25 s, the log's rows after the last seen; the time each token
    was first read. No rendering, no read model: what any reader at the TUI's cadence pays."""
    from sqlalchemy import text

    from warroom.home import Home

    store = Home(Path(root), os.environ.get("WARROOM_DB")).open_store()
    with store.read() as session:
        last = session.connection().execute(text("SELECT coalesce(max(seq), 0) FROM event")).scalar()
    seen: dict[str, float] = {}
    start = ready()
    until(start)
    end = start + float(seconds) + 5
    while time.monotonic() < end:
        with store.read() as session:
            rows = session.connection().execute(text("SELECT seq, summary FROM event WHERE seq > :s ORDER BY seq"), {"s": last}).all()
        at = time.monotonic()
        for seq, summary in rows:
            last = seq
            for name in TOKEN.findall(summary or ""):
                seen.setdefault(name, at)
        time.sleep(0.25)
    store.dispose()
    finish(seen)


# ── the TUIs: each on a pty, its screen kept by pyte ──────────────────────────────────────────

class Tui:
    """A program on a pty of its own, whose screen pyte keeps: `seen` is when each token first stood
    on the screen (not merely in the byte stream: a repaint may write it in pieces, or move it)."""

    def __init__(self, command: list[str], env: dict[str, str]):
        import pyte

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        # setsid --ctty: a session of its own whose controlling terminal is this pty, as an SSH login
        # has; hanging it up (close) sends SIGHUP to the TUI and to a monitor its keeper started.
        self.proc = subprocess.Popen(["setsid", "--ctty", *command], cwd=ROOT, env={**env, **ENV},
                                     stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        self.seen: dict[str, float] = {}  # token → monotonic time of the first frame showing it
        self.chunks: list[tuple[float, bytes]] = []  # output kept unread while the load runs
        self.ended = False

    def feed(self, data: bytes, at: float) -> None:
        self.stream.feed(data)
        buffer = self.screen.buffer
        for y in self.screen.dirty:
            row = buffer[y]
            for name in TOKEN.findall("".join(row[x].data for x in range(COLUMNS))):
                self.seen.setdefault(name, at)
        self.screen.dirty.clear()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def rss_kb(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def session(self) -> list[int]:
        """Every process of the TUI's session: the TUI, and a monitor its keeper started."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == self.proc.pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
        return found

    def close(self) -> None:
        close_all([self])


def close_all(tuis: list[Tui]) -> None:
    """Hang every TUI up at once, as a dropped SSH link does; then end whatever is left of their
    sessions (a monitor a TUI's keeper started among them)."""
    members = [pid for t in tuis for pid in t.session()]
    for tui in tuis:
        try:
            os.close(tui.fd)
        except OSError:
            pass
    deadline = time.monotonic() + 15
    for sig in (signal.SIGTERM, signal.SIGKILL):
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in members):
            for tui in tuis:
                tui.proc.poll()
            time.sleep(0.2)
        for pid in members:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
    for tui in tuis:
        tui.proc.wait()


class Screens:
    """One thread reading every TUI's output as it comes, so each frame is timed when it arrives.

    Live, it feeds each screen at once (to wait for the board and the room). While the load runs
    it only keeps each chunk with its arrival time, and `replay` feeds them afterwards: emulating
    twenty screens in Python costs more CPU than this host spares, and a reader that falls behind
    fills the pty, blocks the TUI's writes and freezes its screen (an earlier version measured
    its own lag). Reading promptly is all sshd does for a real coordinator."""

    def __init__(self, tuis: list[Tui]):
        self.tuis = {t.fd: t for t in tuis}
        self.lock = threading.Lock()
        self.stopped = False
        self.live = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stopped:
            open_fds = [fd for fd, t in self.tuis.items() if not t.ended]
            if not open_fds:
                return
            ready, _, _ = select.select(open_fds, [], [], 0.2)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                at = time.monotonic()
                with self.lock:
                    if not data:
                        self.tuis[fd].ended = True
                    elif self.live:
                        self.tuis[fd].feed(data, at)
                    else:
                        self.tuis[fd].chunks.append((at, data))

    def record(self) -> None:
        with self.lock:
            self.live = False

    def replay(self) -> None:
        """Feed every kept chunk to its screen, timed by its arrival."""
        with self.lock:
            for tui in self.tuis.values():
                for at, data in tui.chunks:
                    tui.feed(data, at)
                tui.chunks.clear()

    def shows(self, tui: Tui, text: str) -> bool:
        with self.lock:
            return text in tui.text()

    def stop(self) -> None:
        self.stopped = True
        self.thread.join(timeout=5)


# ── CPU and memory from /proc ─────────────────────────────────────────────────────────────────

def host_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole host since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and of its children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICKS


# ── one run on one database ───────────────────────────────────────────────────────────────────

def scalar(home: Path, url: str | None, sql: str):
    from sqlalchemy import text

    from warroom.home import Home

    store = Home(home, url).open_store()
    try:
        with store.read() as session:
            return session.connection().execute(text(sql)).all()
    finally:
        store.dispose()


def prefill(root: Path, count: int) -> None:
    """The room's log `count` entries long before the TUIs open it: the state a ten-minute run
    reaches at its end (6,000 entries), in a run of two."""
    from warroom.clock import SystemClock
    from warroom.home import Home
    from warroom.services import actors, commands, library
    from warroom.vocabulary import LogKind

    home = Home(root, os.environ.get("WARROOM_DB"))
    config = library.config(home)
    actor = actors.resolve(config, "scribe-earlier", ORIGIN)
    store = home.open_store()
    try:
        for k in range(count):
            commands.execute(store, commands.LogEntry(1, f"earlier decision {k}", LogKind.DECISION),
                             commands.Context(home, config, actor, SystemClock().now()))
    finally:
        store.dispose()


def child_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.bench.bench_load", "--child", *args]


def run(label: str, work: Path, base: str, args, url: str | None, floor_target: str) -> dict:
    env = dict(os.environ)
    if url:
        env["WARROOM_DB"] = url
    else:
        env.pop("WARROOM_DB", None)
    from tests.bench.bench_tui_wire import make_home

    home = make_home(work, base, args.suppliers, 1, url=url, mode="live")
    if args.prefill:
        prefill(home, args.prefill)
    print(f"[{label}] home ready; starting the monitor", file=sys.stderr)
    monitor = subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(home), "monitor"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tuis: list[Tui] = []
    screens = None
    children: list[subprocess.Popen] = []
    try:
        wait(lambda: scalar(home, url, "SELECT count(*) FROM supplier_state")[0][0] >= args.suppliers, 180,
             "the monitor never checked every supplier", step=1)
        print(f"[{label}] every supplier checked; starting {args.tuis} TUIs", file=sys.stderr)
        tuis = [Tui([sys.executable, "-m", "warroom", "--home", str(home)], env) for _ in range(args.tuis)]
        screens = Screens(tuis)
        for n, tui in enumerate(tuis):  # the board, then enter: the incident room of incident #1
            try:
                wait(lambda tui=tui: screens.shows(tui, "Simulated supplier 1 unavai"), 180, f"TUI {n} never showed the board's incident")
                tui.send(b"\r")
                wait(lambda tui=tui: screens.shows(tui, "log entry"), 60, f"TUI {n} never opened the incident room")
            except TimeoutError:
                print(tui.text(), file=sys.stderr)
                raise
        print(f"[{label}] {args.tuis} TUIs in the room; logging for {args.minutes} min", file=sys.stderr)
        seconds = args.minutes * 60
        per_writer = args.rate / args.writers

        def spawn(*argv: str) -> subprocess.Popen:
            return subprocess.Popen(child_command(*argv), cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        profile = str(work / "writer0.prof") if args.profile else ""
        children = [spawn("writer", str(home), str(n), str(per_writer), str(seconds), profile if n == 0 else "") for n in range(args.writers)]
        floor = spawn("floor", floor_target, "2", str(seconds))
        poll = spawn("poller", str(home), str(seconds))
        children += [floor, poll]
        for p in children:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a writer did not start")
        start = time.monotonic() + 1
        for p in children:
            p.stdin.write(f"{start}\n")
            p.stdin.flush()
        screens.record()
        until(start)
        cpu0, host0 = {p: cpu_seconds(p) for p in [os.getpid(), monitor.pid, *(t.proc.pid for t in tuis)]}, host_cpu()
        wall0 = time.monotonic()
        rss: list[int] = []
        while time.monotonic() < start + seconds:
            time.sleep(min(5, max(0.1, start + seconds - time.monotonic())))
            rss += [r for t in tuis if (r := t.rss_kb()) is not None]
        cpu1, host1, wall1 = {p: cpu_seconds(p) for p in cpu0}, host_cpu(), time.monotonic()
        outputs = [json.loads(p.communicate(timeout=120)[0]) for p in children]
        ready_cpu = sum(o["cpu"] for o in outputs)  # each child's CPU, start-up included (the log's own run is most of it)
        results = [r for o in outputs[:args.writers] for r in o["out"]]
        floor_latencies, polled = outputs[-2]["out"], outputs[-1]["out"]
        done = {r[0]: r[1] for r in results if r[3] is None}
        # 15 s more for the TUIs to catch up with the last decisions: what they have not shown by then is never seen.
        last = max(done, key=done.get) if done else None
        time.sleep(15)
        screens.stop()
        screens.replay()
        final_rss = [r for t in tuis if (r := t.rss_kb()) is not None]
        behind = [t for t in tuis if last is not None and last not in t.seen]
        if behind:  # what a TUI that never caught up shows at the end: the evidence, not a guess
            print(f"[{label}] {len(behind)} of {len(tuis)} TUIs never showed the last decision; the first one's screen:\n{behind[0].text()}",
                  file=sys.stderr)
    finally:
        if screens is not None:
            screens.stop()
        close_all(tuis)
        for p in children:
            if p.poll() is None:
                p.kill()
        monitor.send_signal(signal.SIGTERM)
        monitor.wait(timeout=60)

    visibility, unseen = [], 0
    for tui in tuis:
        for name, committed in done.items():
            if name in tui.seen:
                visibility.append(max(0.0, tui.seen[name] - committed))
            else:
                unseen += 1
    floor_visibility = [max(0.0, polled[n] - c) for n, c in done.items() if n in polled]

    counts: dict[str, int] = {}
    for (data,) in scalar(home, url, "SELECT data FROM event WHERE kind = 'decision.logged'"):
        text_ = (data if isinstance(data, dict) else json.loads(data)).get("text", "")
        for name in TOKEN.findall(text_):
            counts[name] = counts.get(name, 0) + 1
    verified = subprocess.run([sys.executable, "-m", "warroom", "--home", str(home), "verify"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
    busy, total = host1[0] - host0[0], host1[1] - host0[1]
    elapsed = wall1 - wall0
    tui_cpu = sum(cpu1[t.proc.pid] - cpu0[t.proc.pid] for t in tuis)
    return {
        "label": label, "profile": profile_lines(work / "writer0.prof") if args.profile else [],
        "decisions": len(results), "planned": int(args.rate * seconds), "succeeded": len(done), "failed": [r[3] for r in results if r[3] is not None][:3],
        "failures": sum(1 for r in results if r[3] is not None),
        "in_log_once": sum(1 for n in done if counts.get(n) == 1),
        "lost": sum(1 for n in done if n not in counts),
        "duplicated": sum(1 for c in counts.values() if c > 1),
        "unreported": sum(1 for n in counts if n not in done),
        "verify": (verified.returncode, (verified.stdout + verified.stderr).strip().splitlines()[-1:] or [""]),
        "visibility": visibility, "unseen": unseen, "pairs": len(done) * len(tuis),
        "floor_visibility": floor_visibility,
        "append": [r[2] for r in results if r[3] is None], "floor_append": floor_latencies,
        "rss": rss, "final_rss": final_rss,
        "host_busy": busy / total if total else 0.0, "elapsed": elapsed,
        "cpu": {"TUIs (all)": tui_cpu, "monitor": cpu1[monitor.pid] - cpu0[monitor.pid], "writers + floor + poller (start-up included)": ready_cpu,
                "this process (reading the ptys)": cpu1[os.getpid()] - cpu0[os.getpid()]},
    }


# ── the report ────────────────────────────────────────────────────────────────────────────────

def ms(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{percentile(values, 50) * 1e3:.0f} / {percentile(values, 99) * 1e3:.0f} / {max(values) * 1e3:.0f}"


def ms2(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{percentile(values, 50) * 1e3:.2f} / {percentile(values, 99) * 1e3:.2f} / {max(values) * 1e3:.2f}"


def visibility_p99(r: dict) -> float:
    """p99 over every (TUI, decision) pair, a never-shown pair counting as infinitely late."""
    values = r["visibility"] + [float("inf")] * r["unseen"]
    return percentile(values, 99) if values else float("inf")


def profile_lines(path: Path, count: int = 14) -> list[str]:
    """The functions writer 0's appends spent most time in (cumulative), with their share of the total."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("cumulative").print_stats(count)
    return out.getvalue().splitlines()


def report(results: list[dict], args, simulator_cpu: float | None, file=None) -> None:
    import builtins

    def print(*what, **how) -> None:  # the whole report to one stream
        builtins.print(*what, **how, file=file or sys.stdout)

    print(f"war-room under load ({os.cpu_count()} cores; {args.tuis} TUIs at {COLUMNS}x{LINES} in the incident room; "
          f"{args.suppliers:,} simulated suppliers checked every 5 s; {args.writers} writer processes logging {args.rate:g} decisions/s "
          f"for {args.minutes:g} min{f', into a log {args.prefill:,} entries long' if args.prefill else ''})\n")
    head = "| measure | " + " | ".join(r["label"] for r in results) + " | target |"
    print(head)
    print("|" + " --- |" * (len(results) + 2))

    def row(what: str, cells: list[str], target: str) -> None:
        print(f"| {what} | " + " | ".join(cells) + f" | {target} |")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}×" if b else "—"

    row("visibility in the TUIs, p50 / p99 / max (ms)", [ms(r["visibility"]) for r in results], "p99 ≤ 1000 ms")
    row("TUI × decision pairs never shown (scrolled past first)", [f"{r['unseen']:,} of {r['pairs']:,}" for r in results], "0")
    row("floor: bare 0.25 s poller, p50 / p99 / max (ms)", [ms(r["floor_visibility"]) for r in results], "")
    row("visibility p99 / floor p99", [ratio(visibility_p99(r), percentile(r["floor_visibility"], 99)) if r["floor_visibility"] else "—" for r in results], "")
    row("append (whole log command), p50 / p99 / max (ms)", [ms2(r["append"]) for r in results], "p99 ≤ 20 ms")
    row("floor: bare one-INSERT transaction, p50 / p99 / max (ms)", [ms2(r["floor_append"]) for r in results], "")
    row("append p99 / floor p99", [ratio(percentile(r["append"], 99), percentile(r["floor_append"], 99)) if r["append"] and r["floor_append"] else "—"
                                   for r in results], "")
    row("decisions planned / made in time (+30 s) / refused", [f"{r['planned']:,} / {r['succeeded']:,} / {r['failures']}" for r in results], "all")
    row("in the log exactly once / lost / duplicated / unreported", [f"{r['in_log_once']:,} / {r['lost']} / {r['duplicated']} / {r['unreported']}"
                                                                    for r in results], "all / 0 / 0 / 0")
    row("warroom verify", [("passes" if r["verify"][0] == 0 else f"FAILS (exit {r['verify'][0]})") for r in results], "passes")
    row("RSS per TUI, median / max over the run (MB)", [f"{statistics.median(r['rss']) / 1024:.0f} / {max(r['rss']) / 1024:.0f}" if r["rss"] else "—"
                                                        for r in results], "reported")
    row("host CPU busy over the run (all engineers)", [f"{r['host_busy'] * 100:.0f} %" for r in results], "reported")
    for part in results[0]["cpu"]:
        row(f"CPU of {part}, cores", [f"{r['cpu'][part] / r['elapsed']:.2f}" for r in results], "")
    if simulator_cpu is not None:
        row("CPU of the simulator (both runs), cores", [f"{simulator_cpu:.2f}"] + [""] * (len(results) - 1), "")
    for r in results:
        if r["profile"]:
            print(f"\nwhere writer 0's appends spent their time on {r['label']} (cProfile, cumulative):\n")
            print("\n".join(line for line in r["profile"] if line.strip()))
        if r["verify"][0] != 0 or r["failures"]:
            print(f"\n{r['label']}: verify said {r['verify'][1]}; refusals: {r['failed']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--tuis", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10, help="decisions a second, over all writers")
    parser.add_argument("--writers", type=int, default=4, help="writer processes, each an actor of its own")
    parser.add_argument("--suppliers", type=int, default=1000)
    parser.add_argument("--prefill", type=int, default=0, help="entries in the room's log before the TUIs open it (6000: a 10-minute run's end)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true", help="profile writer 0's commands (cProfile), print where an append's time goes")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        {"writer": writer, "floor": floor_writer, "poller": poller}[args.child[0]](*args.child[1:])
        return
    from tests.bench.bench_health import start_simulator

    simulator, base = start_simulator(args.suppliers)
    simulator_cpu0, began = cpu_seconds(simulator.pid), time.monotonic()
    results = []
    try:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR"), ignore_cleanup_errors=True) as tmp:
            tmp = Path(tmp)
            results.append(run("SQLite", tmp / "sqlite", base, args, None, str(tmp / "floor.db")))
            report(results, args, None, file=sys.stderr)  # kept, should the PostgreSQL run fail
            if args.no_postgres:
                pass
            else:
                try:
                    from tests.pg import Cluster

                    cluster = Cluster(durable=True)
                except BaseException as exc:  # not installed (need_tool skips), or it would not start
                    cluster = None
                    print(f"(PostgreSQL run skipped: {exc})", file=sys.stderr)
                if cluster is not None:
                    try:
                        version = cluster._run("postgres", "--version").stdout.split()[2]
                        results.append(run(f"PostgreSQL {version}", tmp / "pg", base, args, cluster.new_database(), cluster.new_database()))
                    finally:
                        cluster.stop()
        simulator_cpu = (cpu_seconds(simulator.pid) - simulator_cpu0) / (time.monotonic() - began)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    report(results, args, simulator_cpu)


if __name__ == "__main__":
    main()
