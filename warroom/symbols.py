"""How states are written wherever they are shown: a symbol beside the word, never colour alone.
Kept apart from the services so the TUI can paint its first frame without importing them."""

SUPPLIER = {"up": "▲", "degraded": "◆", "down": "▼", "maintenance": "◌", "unknown": "?"}
SERVICE = {"down": "✖", "degraded": "◆", "maintenance": "◌", "unknown": "?", "up": "✔"}
SPARK = "▁▂▃▄▅▆▇█"
SPARK_MS = (10, 30, 100, 300, 1000, 3000, 10000)  # the upper bound of each bar but the last: a log scale


def spark(values: list[float | None], troubles: list[str | None] | None = None) -> str:
    """One bar per value on a fixed log scale (the same height means the same latency on every
    row); a dot where there was nothing to measure; the state's own symbol (▼ down, ◆ degraded)
    for a minute in which a check failed, however quickly the failure answered."""
    bars = []
    for n, value in enumerate(values):
        trouble = troubles[n] if troubles and n < len(troubles) else None
        if trouble in ("down", "degraded"):
            bars.append(SUPPLIER[trouble])
        elif value is None:
            bars.append("·")
        else:
            bars.append(SPARK[next((n for n, bound in enumerate(SPARK_MS) if value < bound), len(SPARK_MS))])
    return "".join(bars)
