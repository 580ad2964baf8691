"""What a traced TUI (tests/bench/keytrace.py) was doing during each slow key press of bench_keys:
for every press slower than its key's p90, when the input thread parsed the key, when the loop
began to dispatch it, when the first frame after it was written, and what ran meanwhile (loop
turns with their wall and CPU time and the messages they dispatched, the watcher's reads, the
collector's passes); then the loop turns that most often stood between a key and its dispatch.

    uv run python -m tests.bench.keytrace_report TRACE.jsonl TRACE.presses.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(records_path: Path, presses_path: Path) -> str:
    records = [json.loads(line) for line in records_path.read_text().splitlines() if line]
    presses = json.loads(presses_path.read_text())
    turns = next((r for r in records if r[0] == "turns"), None)
    by_kind: dict[str, list[list]] = defaultdict(list)
    for r in records:
        by_kind[r[0]].append(r)
    out: list[str] = []
    if turns:
        out.append(f"loop turns: {turns[1]}, wall {turns[2]:.1f} s, CPU {turns[3]:.1f} s over the run")
    keys = sorted({k for k, *_ in presses})
    blame: dict[str, list[float]] = defaultdict(list)  # what ran between a slow key's arrival and its dispatch
    phases: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for key in keys:
        mine = [(sent, hit) for k, sent, hit in presses if k == key]
        p90 = percentile([hit - sent for sent, hit in mine], 90)
        for sent, hit in mine:
            key_in = next((r[1] for r in by_kind["key-in"] if sent <= r[1] <= hit + 1), None)
            key_loop = next((r[1] for r in by_kind["key-loop"] if key_in is not None and key_in <= r[1] <= hit + 1), None)
            first_write = next((r[1] for r in by_kind["write"] if key_loop is not None and key_loop <= r[1]), None)
            def ms(t: float | None, sent: float = sent) -> str:
                return f"{(t - sent) * 1e3:6.1f}" if t is not None else "     ?"

            if key_in is not None and key_loop is not None:
                phases[key].append((key_in - sent, key_loop - key_in, hit - key_loop))
            if hit - sent < p90 or hit - sent < 0.010:
                continue
            out.append(f"\n{key!r} {(hit - sent) * 1e3:.1f} ms (p90 {p90 * 1e3:.1f}): parsed {ms(key_in)}, dispatched {ms(key_loop)}, "
                       f"first write after {ms(first_write)}, effect seen {ms(hit)} ms")
            window = [r for r in records if r[0] in ("loop", "poll", "room-read", "gc") and r[1] < hit and r[1] + r[2] > sent - 0.002]
            loop_cpu = watch_cpu = 0.0
            for r in sorted(window, key=lambda r: r[1]):
                if r[0] == "loop":
                    loop_cpu += r[3]
                    out.append(f"    loop  {ms(r[1])} +{r[2] * 1e3:5.1f} ms (CPU {r[3] * 1e3:5.1f})  {r[4]}  {' '.join(r[5])}")
                    if key_loop is not None and r[1] < key_loop and r[1] + r[2] > sent:
                        label = " ".join(r[5]) or r[4]
                        blame[label].append(min(r[1] + r[2], key_loop) - max(r[1], sent))
                elif r[0] in ("poll", "room-read"):
                    watch_cpu += r[3]
                    said = (" board" if r[4] else "") + (" room" if r[5] else "") if r[0] == "poll" else ""
                    out.append(f"    {r[0]:5} {ms(r[1])} +{r[2] * 1e3:5.1f} ms (CPU {r[3] * 1e3:5.1f}){said}")
                else:
                    out.append(f"    gc    {ms(r[1])} +{r[2] * 1e3:5.1f} ms generation {r[3]}{'' if r[4] else ' (other thread)'}")
            out.append(f"    = loop CPU {loop_cpu * 1e3:.1f} ms, watcher CPU {watch_cpu * 1e3:.1f} ms, in {(hit - sent) * 1e3:.1f} ms")
    out.append("\nmedian phases per key (ms): sent→parsed, parsed→dispatched, dispatched→effect seen")
    for key, values in phases.items():
        columns = list(zip(*values, strict=True))
        out.append(f"  {key!r}: " + ", ".join(f"{percentile(list(c), 50) * 1e3:.1f} (p90 {percentile(list(c), 90) * 1e3:.1f})" for c in columns))
    out.append("\nwhat kept slow keys from their dispatch (ms of wall time overlapping, summed over slow presses):")
    for label, spans in sorted(blame.items(), key=lambda item: -sum(item[1]))[:25]:
        out.append(f"  {sum(spans) * 1e3:7.1f} ms in {len(spans):3d}  {label[:160]}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(report(Path(sys.argv[1]), Path(sys.argv[2])))
