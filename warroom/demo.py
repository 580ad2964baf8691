"""The demo landscape: the example war-room with every supplier served by the simulator.

Generated from the example config, so the demo shows the same suppliers, services, fallbacks and
playbooks an administrator starts from; only the check URLs, the simulator address and a quicker
check interval differ."""

from __future__ import annotations

import tomlkit

from warroom.home import example_config

DEMO_PORT = 47800


def demo_config(port: int = DEMO_PORT, interval: str = "5s", commander: str | None = None) -> str:
    """The demo's warroom.toml; `commander` (the OS user running the demo) may act in it. Edited
    in place with tomlkit, so the example's comments (the reference an administrator reads) stay."""
    document = tomlkit.parse(example_config().read_text(encoding="utf-8"))
    base = f"http://127.0.0.1:{port}"
    settings = document["settings"]
    settings["title"] = settings["title"] + " (demo)"
    settings["interval"] = interval
    # Beside the interval, not after the comment block that ends the table (tomlkit's add appends).
    settings.value._insert_after("interval", "simulator", base)
    settings["interval"].comment("the demo checks often, so a break shows within seconds")
    settings["simulator"].comment(f"break a supplier: curl -X PUT {base}/_control/nlcloud -d '{{\"mode\": \"down\"}}'")
    for supplier in document["suppliers"]:
        sid = supplier["id"]
        checks = tomlkit.aot()
        for check in (
            {"kind": "http", "url": f"{base}/s/{sid}/health", "degraded_ms": 800, "timeout": "3s"},
            {"kind": "statuspage", "url": f"{base}/s/{sid}/api/v2/status.json", "timeout": "3s"},
        ):
            checks.append(tomlkit.item(check))
        checks[-1].add(tomlkit.nl())
        supplier["checks"] = checks
        supplier.pop("maintenance", None)
    if commander:
        people = document.setdefault("people", tomlkit.table(is_super_table=True))
        if commander not in people:
            person = tomlkit.table()
            person.update({"name": commander, "role": "commander"})
            person.comment("you, running the demo")
            person.add(tomlkit.nl())
            # First among the people: the comment that follows the last person belongs to it.
            people.value._insert_at(0, commander, person)
    text = tomlkit.dumps(document)
    return text.replace("# warroom.toml:", "# The demo war-room: every supplier is simulated by `warroom simulate` on loopback.\n# warroom.toml:", 1)
