"""Health benchmark at 1,000 simulated suppliers, each figure beside baselines from the same run:

- one full round by warroom's checker vs a bare httpx.AsyncClient loop with the same concurrency on
  the same endpoints (target ratio <= 1.3), and a raw asyncio socket client (the floor);
- client CPU time per check against the same two baselines (target <= 1.3x bare httpx);
- the monitor's peak memory with 1,000 suppliers (target < 150 MB);
- detection delay from a simulated fault to its supplier.state event
  (target: within interval x confirm + timeout + 1 s).

    uv run python -m tests.bench.bench_health [--suppliers 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import httpx

from warroom.config import Check
from warroom.health import checks

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = 100


def start_simulator(suppliers: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "warroom", "simulate", "--port", "0", "--suppliers", str(suppliers)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}"


async def warroom_round(urls: list[str]) -> None:
    clients = checks.Clients(CONCURRENCY)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    items = [Check(kind="http", url=u) for u in urls]

    async def one(check: Check):
        async with semaphore:
            return await checks.run(check, clients.for_check(check))

    results = await asyncio.gather(*(one(c) for c in items))
    await clients.aclose()
    assert all(r.state == "up" for r in results), [r for r in results if r.state != "up"][:3]


async def httpx_round(urls: list[str], keepalive: int = 0) -> None:
    """Bare httpx, the same concurrency and connection policy as warroom's client (fresh connections)."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=keepalive)) as client:
        async def one(url: str):
            async with semaphore:
                return (await client.get(url)).status_code

        codes = await asyncio.gather(*(one(u) for u in urls))
    assert all(c == 200 for c in codes)


async def httpx_default_round(urls: list[str]) -> None:
    """Bare httpx with its default keep-alive pool, for reference."""
    await httpx_round(urls, keepalive=CONCURRENCY)


async def raw_round(urls: list[str]) -> None:
    """The floor: CONCURRENCY workers, each one kept-alive socket, parsing just enough HTTP."""
    host, port = urls[0].split("/")[2].split(":")
    queue = list(urls)

    async def worker():
        reader, writer = await asyncio.open_connection(host, int(port))
        while queue:
            path = "/" + queue.pop().split("/", 3)[3]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def measure(round_fn, urls) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(round_fn(urls))
    return time.perf_counter() - wall, time.process_time() - cpu


def many_suppliers_config(base: str, suppliers: int, interval: str) -> str:
    lines = [f'[settings]\ninterval = "{interval}"\nconfirm = 2\nsimulator = "{base}"\n']
    for n in range(1, suppliers + 1):
        sid = f"sim-{n:04d}"
        lines.append(f'[[suppliers]]\nid = "{sid}"\nname = "Simulated supplier {n}"\n\n'
                     f'[[suppliers.checks]]\nkind = "http"\nurl = "{base}/s/{sid}/health"\ntimeout = "3s"\n')
    return "\n".join(lines)


def monitor_figures(base: str, suppliers: int, workdir: Path) -> dict:
    from warroom.clock import SystemClock
    from warroom.services import homes

    interval, confirm, timeout = 5, 2, 3
    home = homes.create(workdir / "monitor-home", clock=SystemClock(), actor="bench", origin={},
                        config_text=many_suppliers_config(base, suppliers, f"{interval}s"))
    monitor = subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(home.root), "monitor"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = home.db_path

    def state_events(supplier: str) -> list[tuple[str, str]]:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return c.execute("SELECT at, json_extract(data, '$.to') FROM event WHERE kind = 'supplier.state' AND json_extract(data, '$.supplier') = ?", (supplier,)).fetchall()
        finally:
            c.close()

    def wait(condition, limit: float):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return False

    try:
        assert wait(lambda: len(state_events("sim-0500")) >= 1, 60), "monitor never checked"
        time.sleep(2 * interval)  # two more full rounds at steady state before the fault (measured, not synchronised)
        delays = []
        for target in ("sim-0123", "sim-0777", "sim-0999"):
            request = urllib.request.Request(f"{base}/_control/{target}", data=json.dumps({"mode": "down"}).encode(), method="PUT")
            fault_at = datetime.now(UTC)
            urllib.request.urlopen(request, timeout=5).read()
            assert wait(lambda target=target: any(to == "down" for _, to in state_events(target)), 60), f"{target} never went down"
            at = next(at for at, to in state_events(target) if to == "down")
            delays.append((datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) - fault_at).total_seconds())
        with open(f"/proc/{monitor.pid}/status") as status:
            peak_kb = next(int(row.split()[1]) for row in status if row.startswith("VmHWM"))
    finally:
        monitor.send_signal(signal.SIGTERM)
        monitor.wait(timeout=30)
    return {"delays": delays, "bound": interval * confirm + timeout + 1, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sim, base = start_simulator(args.suppliers)
    try:
        urls = [f"{base}/s/sim-{n:04d}/health" for n in range(1, args.suppliers + 1)]
        figures: dict[str, list[tuple[float, float]]] = {"warroom": [], "httpx": [], "httpx-keepalive": [], "raw": []}
        asyncio.run(httpx_round(urls))  # warm the simulator
        for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits all three alike
            figures["warroom"].append(measure(warroom_round, urls))
            figures["httpx"].append(measure(httpx_round, urls))
            figures["httpx-keepalive"].append(measure(httpx_default_round, urls))
            figures["raw"].append(measure(raw_round, urls))
        wall = {k: statistics.median(w for w, _ in v) for k, v in figures.items()}
        cpu = {k: statistics.median(c for _, c in v) / args.suppliers for k, v in figures.items()}
        with tempfile.TemporaryDirectory() as tmp:
            mon = monitor_figures(base, args.suppliers, Path(tmp))
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=30)

    print(f"health benchmark ({os.cpu_count()} cores, {args.suppliers} simulated suppliers, concurrency {CONCURRENCY}, median of {args.rounds} rounds)\n")
    print("| measure | warroom | bare httpx loop | bare httpx, keep-alive pool | raw asyncio sockets (keep-alive) | warroom / httpx (target) | warroom / raw |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| full round | {wall['warroom']:.2f} s | {wall['httpx']:.2f} s | {wall['httpx-keepalive']:.2f} s | {wall['raw']:.2f} s | {wall['warroom'] / wall['httpx']:.2f} (≤ 1.3) | {wall['warroom'] / wall['raw']:.1f} |")
    print(f"| client CPU per check | {cpu['warroom'] * 1e6:.0f} µs | {cpu['httpx'] * 1e6:.0f} µs | {cpu['httpx-keepalive'] * 1e6:.0f} µs | {cpu['raw'] * 1e6:.0f} µs | {cpu['warroom'] / cpu['httpx']:.2f} (≤ 1.3) | {cpu['warroom'] / cpu['raw']:.1f} |")
    print()
    print("| monitor with 1,000 suppliers (interval 5 s, confirm 2, timeout 3 s) | figure | target |")
    print("| --- | --- | --- |")
    print(f"| peak memory (VmHWM) | {mon['peak_mb']:.0f} MB | < 150 MB |")
    print(f"| detection delay, fault → supplier.state (3 faults) | {', '.join(f'{d:.1f} s' for d in mon['delays'])} | ≤ {mon['bound']} s |")


if __name__ == "__main__":
    main()
