"""The demo landscape: the example war-room with every supplier served by the simulator.

Generated from the example config, so the demo shows the same suppliers, services, fallbacks and
playbooks an administrator starts from; only the check URLs, the simulator address, a quicker
check interval and the playbooks' shorter trigger windows differ: a newcomer who breaks a supplier
sees the whole story (break, detect, suggest) within a minute, not after the bundled playbooks'
realistic five or thirty minutes. In Dutch (`lang="nl"`) it is made from the Dutch example config
and playbooks, which have the English ones' ids."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomlkit

from warroom.home import bundled_playbooks, example_config

DEMO_PORT = 47800
DEMO_TRIGGER = "10s"  # how long a demo supplier must stay down before its playbook is suggested


def dependencies() -> dict[str, list[str]]:
    """Each demo supplier's parents (`depends_on`), for the simulator to break children with them."""
    config = tomllib.loads(example_config().read_text(encoding="utf-8"))
    return {s["id"]: list(s["depends_on"]) for s in config.get("suppliers", []) if s.get("depends_on")}


def quicken_playbooks(folder: Path, lang: str = "en") -> list[Path]:
    """Give the demo home's copies of the bundled playbooks the demo's short trigger window (edited
    in place, comments kept); the bundled files stay realistic. A copy that is not what the
    bundle put there (edited into something that does not parse, or no longer a file) is left to
    the library to report. Returns the files changed."""
    from warroom import files
    from warroom.errors import InvalidFile
    from warroom.tomlsource import MAX_BYTES

    changed = []
    for bundled in sorted(bundled_playbooks(lang).glob("*.toml")):
        copy = folder / bundled.name
        try:
            document = tomlkit.parse(files.read_bytes(copy, files.name_of(copy), limit=MAX_BYTES, what="a playbook").decode("utf-8"))
        except (OSError, ValueError, InvalidFile):
            continue
        if copy.is_symlink():
            continue  # someone's own arrangement: never written through
        trigger = document.get("trigger")
        if not isinstance(trigger, dict) or trigger.get("for") == DEMO_TRIGGER:
            continue
        trigger["for"] = DEMO_TRIGGER
        trigger["for"].comment(_COMMENTS[lang]["trigger"])
        copy.write_text(tomlkit.dumps(document), encoding="utf-8")
        changed.append(copy)
    return changed


def language_of(config_text: str) -> str:
    """The language a demo home's warroom.toml says it speaks (`[settings] language`), English
    when it says none or cannot be read (the config's own loader reports what is wrong with it)."""
    try:
        value = tomllib.loads(config_text).get("settings", {}).get("language")
    except (tomllib.TOMLDecodeError, AttributeError):
        return "en"
    return value if value in _COMMENTS else "en"


def replace_playbooks(folder: Path, lang: str) -> list[Path]:
    """Put the bundled playbooks of `lang` in place of a demo home's copies of another language's
    (the same file names and ids, so its incidents and drills still name them): a demo asked for in
    Dutch shows Dutch playbooks in a demo home an English demo made. A playbook of the home's own,
    a link or anything but a regular file is left alone. Returns the files replaced."""
    import stat

    replaced = []
    for bundled in sorted(bundled_playbooks(lang).glob("*.toml")):
        copy = folder / bundled.name
        try:
            if not stat.S_ISREG(copy.lstat().st_mode):
                continue
        except OSError:
            continue
        copy.write_bytes(bundled.read_bytes())
        replaced.append(copy)
    return replaced


def demo_config(port: int = DEMO_PORT, interval: str = "5s", commander: str | None = None, lang: str = "en") -> str:
    """The demo's warroom.toml; `commander` (the OS user running the demo) may act in it. Edited
    in place with tomlkit, so the example's comments (the reference an administrator reads) stay.
    `lang`: the example it is made from (`nl`: the Dutch one, which says `language = "nl"`), and the
    language of the comments the demo adds."""
    said = _COMMENTS[lang]
    document = tomlkit.parse(example_config(lang).read_text(encoding="utf-8"))
    base = f"http://127.0.0.1:{port}"
    settings = document["settings"]
    settings["title"] = settings["title"] + " (demo)"
    settings["interval"] = interval
    # Beside the interval, not after the comment block that ends the table (tomlkit's add appends).
    settings.value._insert_after("interval", "simulator", base)
    settings["interval"].comment(said["interval"])
    settings["simulator"].comment(said["simulator"].format(base=base))
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
            person.comment(said["you"])
            person.add(tomlkit.nl())
            # First among the people: the comment that follows the last person belongs to it.
            people.value._insert_at(0, commander, person)
    text = tomlkit.dumps(document)
    return text.replace("# warroom.toml:", f"{said['mark']}{said['header']}\n# warroom.toml:", 1)


# What the demo writes into its home's files, in the language of the example it starts from (file
# comments, not the interface: they follow the home's language, not the process's). `mark` opens
# the demo's warroom.toml: `warroom demo` recognises a demo home by it, and touches no other.
_COMMENTS = {
    "en": {
        "mark": "# The demo war-room",
        "header": ": every supplier is simulated by `warroom simulate` on loopback.",
        "interval": "the demo checks often, so a break shows within seconds",
        "simulator": "break a supplier: curl -X PUT {base}/_control/nlcloud -d '{{\"mode\": \"down\"}}'",
        "you": "you, running the demo",
        "trigger": "the demo's: the bundled playbook waits longer",
    },
    "nl": {
        "mark": "# De demo-crisiskamer",
        "header": ": elke leverancier wordt nagebootst door `warroom simulate` op loopback.",
        "interval": "de demo controleert vaak, zodat een storing binnen enkele seconden te zien is",
        "simulator": "een leverancier laten uitvallen: curl -X PUT {base}/_control/nlcloud -d '{{\"mode\": \"down\"}}'",
        "you": "uzelf: u draait de demo",
        "trigger": "van de demo: het meegeleverde draaiboek wacht langer",
    },
}
DEMO_MARKS = tuple(said["mark"] for said in _COMMENTS.values())
