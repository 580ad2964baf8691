"""CLI benchmark: a write command, whole process (`warroom log ID TEXT`: Python starting, imports,
reading the home, one witnessed append), as a ratio to a bare script that imports SQLAlchemy and
appends one row with the same pragmas (WAL, synchronous=FULL, BEGIN IMMEDIATE, the head read first),
both run the same way, interleaved, in the same run (target ratio <= 1.5).

Both run from bytecode, as an installed warroom does: warroom's modules are compiled first (into
their __pycache__, as pip does on install), like the floor's SQLAlchemy, which the environment
holds compiled. Otherwise, where PYTHONDONTWRITEBYTECODE is set, every run of warroom compiled its
own modules from source, and the ratio measured the compiler.

    uv run python -m tests.bench.bench_cli [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import getpass
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = '''
import sys
from sqlalchemy import create_engine, event, text

engine = create_engine("sqlite:///" + sys.argv[1], connect_args={"timeout": 30})

@event.listens_for(engine, "connect")
def _pragmas(dbapi_connection, _record):
    dbapi_connection.isolation_level = None
    for pragma in ("busy_timeout = 30000", "journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        dbapi_connection.execute("PRAGMA " + pragma)

with engine.connect() as connection:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, summary TEXT, hash TEXT)")
    head = connection.execute(text("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1")).first()
    connection.execute(text("INSERT INTO event (at, actor, summary, hash) VALUES ('2026-11-29T22:00:00Z', 'bench', :s, :h)"),
                       {"s": sys.argv[2], "h": (head[1] if head else "") + "x"})
    connection.exec_driver_sql("COMMIT")
print(1)
'''


def timed(command: list[str], env: dict) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed: {done.stderr}")
    return took


def make_home(root: Path) -> int:
    """A home where this OS user may write to the log, with one open incident; its id."""
    from warroom.clock import SystemClock
    from warroom.services import homes

    homes.create(root, clock=SystemClock(), actor="bench", origin={})
    with (root / "warroom.toml").open("a") as config:
        config.write(f'\n[people.{getpass.getuser()}]\nname = "Bench"\nrole = "commander"\n')
    started = subprocess.run([sys.executable, "-m", "warroom", "--home", str(root), "incident", "start", "cloud-hosting-outage", "--drill"],
                             capture_output=True, text=True, check=True)
    return int(started.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ}
    env.pop("WARROOM_HOME", None)
    import warroom

    compileall.compile_dir(Path(warroom.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "home"
        incident = make_home(root)
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE)
        ours, bare = [], []
        for i in range(args.runs):  # interleaved, so load on the shared machine hits both alike
            bare.append(timed([sys.executable, str(bare_script), str(Path(tmp) / "bare.db"), f"entry {i}"], env))
            ours.append(timed([sys.executable, "-m", "warroom", "--home", str(root), "log", str(incident), f"entry {i}"], env))
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"CLI write ({os.cpu_count()} cores; median of {args.runs}, interleaved)\n")
    print("| measure | warroom | bare SQLAlchemy script, one append | ratio (target) |")
    print("| --- | --- | --- | --- |")
    print(f"| `warroom log ID TEXT`, whole process | {o:.2f} s | {b:.2f} s | {o / b:.2f} (≤ 1.5) |")


if __name__ == "__main__":
    main()
