"""The demo landscape: the example war-room with every supplier served by the simulator.

Generated from the example config, so the demo shows the same suppliers, services, fallbacks and
playbooks an administrator starts from; only the check URLs, the simulator address and a quicker
check interval differ."""

from __future__ import annotations

import tomllib

import tomli_w

from warroom.home import CONFIG_SCHEMA, example_config

DEMO_PORT = 47800


def demo_config(port: int = DEMO_PORT, interval: str = "5s", commander: str | None = None) -> str:
    """The demo's warroom.toml; `commander` (the OS user running the demo) may act in it."""
    data = tomllib.loads(example_config().read_text(encoding="utf-8"))
    if commander and commander not in data.get("people", {}):
        data.setdefault("people", {})[commander] = {"name": commander, "role": "commander"}
    base = f"http://127.0.0.1:{port}"
    data["settings"].update({"title": data["settings"]["title"] + " (demo)", "interval": interval, "simulator": base})
    for supplier in data["suppliers"]:
        sid = supplier["id"]
        supplier["checks"] = [
            {"kind": "http", "url": f"{base}/s/{sid}/health", "degraded_ms": 800, "timeout": "3s"},
            {"kind": "statuspage", "url": f"{base}/s/{sid}/api/v2/status.json", "timeout": "3s"},
        ]
        supplier.pop("maintenance", None)
    header = (
        f"#:schema ./{CONFIG_SCHEMA}\n"
        "# The demo war-room: every supplier is simulated by `warroom simulate` on loopback.\n"
        f"# Break one: curl -X PUT {base}/_control/nlcloud -d '{{\"mode\": \"down\"}}'\n\n"
    )
    return header + tomli_w.dumps(data)
