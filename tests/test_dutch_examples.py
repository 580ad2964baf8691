"""The bundled playbooks, the example config and the demo in Dutch beside English (issue 14, item 5):
the Dutch set has the English set's files, ids, structure and timings, every text translated;
`warroom init --lang nl` writes it and says `[settings] language = "nl"`; the demo home in Dutch
has Dutch config and playbooks and its drill still runs."""

from __future__ import annotations

import filecmp
import json
import os
import re
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, need_tool, run_cli, wait_for
from warroom import identity
from warroom.config import load_config
from warroom.home import bundled_playbooks, example_config
from warroom.playbooks.loader import load_file

# The keys whose values are words a person reads: the Dutch set translates them, and only them.
TEXT = {"title", "summary", "details", "message", "question", "name", "recipient", "notes", "note", "contacts", "steps", "content",
        "contract_owner", "location"}


def skeleton(value, key: str | None = None):
    """Everything but the words: ids, references, roles, kinds, times, faults, order."""
    if key in TEXT and not isinstance(value, dict) and not (key == "steps" and value and isinstance(value[0], dict)):
        return "…"
    if isinstance(value, dict):
        return {k: skeleton(v, k) for k, v in value.items() if k != "language"}
    if isinstance(value, list):
        return [skeleton(v) for v in value]
    return value


def words(value, key: str | None = None) -> list[str]:
    """The words a person reads, in order."""
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in words(v, k)]
    if isinstance(value, list):
        return [w for v in value for w in words(v, key)]
    return [value] if key in TEXT and isinstance(value, str) else []


def test_every_dutch_playbook_is_its_english_twin_in_dutch_and_valid_against_the_dutch_example():
    config = load_config(example_config("nl"))
    english = sorted(p.name for p in bundled_playbooks().glob("*.toml"))
    dutch = sorted(p.name for p in bundled_playbooks("nl").glob("*.toml"))
    assert dutch == english and len(dutch) >= 7
    for name in dutch:
        path = bundled_playbooks("nl") / name
        entry = load_file(path, f"playbooks/nl/{name}", config)
        assert not entry.problems and entry.playbook, entry.problems
        assert path.read_text(encoding="utf-8").startswith("#:schema ./playbook.schema.json\n"), name  # the schema beside it in a home
        ours, theirs = tomllib.loads(path.read_text(encoding="utf-8")), tomllib.loads((bundled_playbooks() / name).read_text(encoding="utf-8"))
        assert skeleton(ours) == skeleton(theirs), f"{name}: ids, timings or structure differ from the English playbook"
        said, original = words(ours), words(theirs)
        assert len(said) == len(original) and not set(said) & set(original), f"{name}: a text left in English"
        assert entry.playbook.drill.injects and all(i.message or i.fault for i in entry.playbook.drill.injects)
    everything = " ".join(w for name in dutch for w in words(tomllib.loads((bundled_playbooks("nl") / name).read_text(encoding="utf-8"))))
    for term in ("storing", "opschal", "uitwijk", "besluit", "leverancier"):  # warroom/locale/GLOSSARY.md
        assert term in everything.lower(), term


def test_the_dutch_example_config_has_the_english_ids_and_dutch_words():
    dutch, english = (tomllib.loads(example_config(lang).read_text(encoding="utf-8")) for lang in ("nl", "en"))
    assert dutch["settings"]["language"] == "nl" and "language" not in english["settings"]
    assert skeleton(dutch) == skeleton(english)
    people = {person["name"] for person in english["people"].values()}
    proper = {"NLCloud Hosting B.V.", "CaseFlow SaaS", "NetLink Telecom", "Runbook EXIT-07"}  # a company's own name is not translated
    kept = set(words(dutch)) & set(words(english)) - proper - people
    assert not kept, f"left in English: {sorted(kept)}"
    assert dutch["settings"]["title"] == "Crisiskamer ministerie van Sociale Zaken"
    assert load_config(example_config("nl")).settings.language == "nl"


def test_init_lang_nl_writes_the_dutch_examples_and_the_language_setting(tmp_path):
    root = tmp_path / "thuis"
    made = run_cli("init", "--lang", "nl", str(root))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("map van de crisiskamer gemaakt: "), made.stdout  # init speaks the language it makes
    assert (root / "warroom.toml").read_text(encoding="utf-8") == example_config("nl").read_text(encoding="utf-8")
    assert tomllib.loads((root / "warroom.toml").read_text(encoding="utf-8"))["settings"]["language"] == "nl"
    names = sorted(p.name for p in bundled_playbooks("nl").glob("*.toml"))
    assert sorted(p.name for p in (root / "playbooks").glob("*.toml")) == names
    assert all(filecmp.cmp(root / "playbooks" / name, bundled_playbooks("nl") / name, shallow=False) for name in names)
    valid = run_cli("playbook", "validate", home=root)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    # The home speaks Dutch for every user from now on, whatever their LANG (here C.UTF-8).
    from warroom.cli import speak

    assert speak(["--home", str(root), "status"], {"LANG": "C.UTF-8"}) == "nl"
    status = run_cli("status", "--json", home=root)
    assert status.returncode == 0, status.stderr
    assert "PayBank Betaaldiensten" in status.stdout and "eIDgate inlogvoorziening" in status.stdout
    listed = run_cli("playbook", "list", home=root)
    assert "Uitval van de primaire cloudhostingleverancier" in listed.stdout, listed.stdout
    assert "Primary cloud hosting supplier unavailable" not in listed.stdout
    fallbacks = run_cli("fallbacks", "--json", home=root)
    assert "Uitwijkdatacentrum (eigen hosting, Groningen)" in fallbacks.stdout
    # The global --lang before the command asks for a Dutch home too.
    again = run_cli("--lang", "nl", "init", str(tmp_path / "ook"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "ook" / "warroom.toml").read_text(encoding="utf-8") == example_config("nl").read_text(encoding="utf-8")


def test_init_without_lang_is_unchanged_and_lang_en_pins_english(tmp_path):
    plain = run_cli("init", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "plain" / "warroom.toml").read_text(encoding="utf-8") == example_config().read_text(encoding="utf-8")
    english = sorted(p.name for p in bundled_playbooks().glob("*.toml"))
    assert sorted(p.name for p in (tmp_path / "plain" / "playbooks").glob("*.toml")) == english
    assert all(filecmp.cmp(tmp_path / "plain" / "playbooks" / n, bundled_playbooks() / n, shallow=False) for n in english)
    # A Dutch user's LANG alone does not make the home Dutch: the home's language is chosen on purpose.
    dutch_user = run_cli("init", str(tmp_path / "lang-nl"), env={"LANG": "nl_NL.UTF-8"})
    assert dutch_user.returncode == 0, dutch_user.stderr
    assert (tmp_path / "lang-nl" / "warroom.toml").read_text(encoding="utf-8") == example_config().read_text(encoding="utf-8")
    pinned = run_cli("init", "--lang", "en", str(tmp_path / "en"))
    assert pinned.returncode == 0, pinned.stderr
    settings = tomllib.loads((tmp_path / "en" / "warroom.toml").read_text(encoding="utf-8"))["settings"]
    assert settings["language"] == "en" and settings["title"] == "Ministry of Social Affairs war-room"
    refused = run_cli("init", "--lang", "de", str(tmp_path / "de"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and not (tmp_path / "de").exists()


def test_init_demo_lang_nl_makes_a_dutch_demo_home_whose_playbooks_trigger_quickly(tmp_path):
    from warroom.demo import DEMO_TRIGGER

    made = run_cli("init", "--demo", "--lang", "nl", str(tmp_path / "demo"))
    assert made.returncode == 0, made.stderr
    text = (tmp_path / "demo" / "warroom.toml").read_text(encoding="utf-8")
    assert text.startswith("#:schema ./warroom.schema.json\n# De demo-crisiskamer: elke leverancier wordt nagebootst")
    settings = tomllib.loads(text)["settings"]
    assert settings["language"] == "nl" and settings["title"] == "Crisiskamer ministerie van Sociale Zaken (demo)"
    copy = (tmp_path / "demo" / "playbooks" / "cloud-hosting-outage.toml").read_text(encoding="utf-8")
    assert tomllib.loads(copy)["trigger"]["for"] == DEMO_TRIGGER and "Uitval van de primaire" in copy
    assert "# van de demo: het meegeleverde draaiboek wacht langer" in copy
    valid = run_cli("playbook", "validate", home=tmp_path / "demo")
    assert valid.returncode == 0, valid.stdout + valid.stderr


def _dutch(folder: Path) -> bool:
    titles = [tomllib.loads(p.read_text(encoding="utf-8"))["title"] for p in sorted(folder.glob("*.toml"))]
    return titles == [tomllib.loads(p.read_text(encoding="utf-8"))["title"] for p in sorted(bundled_playbooks("nl").glob("*.toml"))]


def test_the_demo_home_in_dutch_has_dutch_config_and_playbooks_and_its_drill_runs(tmp_path):
    """What `warroom demo --lang nl` (or LANG=nl) prepares before its TUI starts; a later demo in
    another language puts that language's playbooks in the same home (same ids, so its history
    still names them)."""
    from warroom.cli.demo import DEMO_DRILL, _start_drill, end_demo_drills, prepare, refuse_other_homes
    from warroom.home import Home
    from warroom.services import incidents

    root = tmp_path / "demo"
    prepare(root, 47999, "nl")
    refuse_other_homes(root)  # the next demo recognises its home by the Dutch mark
    config = tomllib.loads((root / "warroom.toml").read_text(encoding="utf-8"))
    assert config["settings"]["language"] == "nl" and config["settings"]["simulator"] == "http://127.0.0.1:47999"
    assert config["people"][identity.os_user()]["role"] == "commander"
    assert _dutch(root / "playbooks")
    valid = run_cli("playbook", "validate", home=root)
    assert valid.returncode == 0, valid.stdout + valid.stderr

    home = Home(root)
    _start_drill(home)
    store = home.open_store()
    try:
        with store.read() as session:
            (drill,) = incidents.listing(session)
            assert drill.playbook == DEMO_DRILL and drill.mode == "drill"
    finally:
        store.dispose()

    prepare(root, 48000, "en")  # the next demo, in English
    assert "language" not in tomllib.loads((root / "warroom.toml").read_text(encoding="utf-8"))["settings"]
    assert not _dutch(root / "playbooks")
    assert "Primary cloud hosting supplier unavailable" in (root / "playbooks" / "cloud-hosting-outage.toml").read_text(encoding="utf-8")
    assert end_demo_drills(home) == [drill.id]  # the Dutch demo's drill is still the demo's drill
    prepare(root, 48001, "nl")
    assert _dutch(root / "playbooks")
    assert run_cli("verify", home=root).returncode == 0


def test_a_demo_in_another_language_leaves_a_playbook_of_the_homes_own_alone(tmp_path):
    from warroom.cli.demo import prepare

    root = tmp_path / "demo"
    prepare(root, 47999, "en")
    own = root / "playbooks" / "our-own.toml"
    own.write_text((bundled_playbooks() / "cloud-hosting-outage.toml").read_text(encoding="utf-8").replace(
        'id = "cloud-hosting-outage"', 'id = "our-own"'), encoding="utf-8")
    prepare(root, 47999, "nl")
    assert "Primary cloud hosting supplier unavailable" in own.read_text(encoding="utf-8")
    titles = {p.name: tomllib.loads(p.read_text(encoding="utf-8"))["title"] for p in (root / "playbooks").glob("*.toml")}
    assert titles["cloud-hosting-outage.toml"] == "Uitval van de primaire cloudhostingleverancier"


def test_the_readme_tells_how_the_language_is_chosen():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Language / Taal"):]
    section = section[: section.index("\n## ", 1)]
    for said in ("[settings] language", "--lang", "LANG", "GLOSSARY.md", "catalogue update", "init --lang nl", "demo --lang nl"):
        assert said in section, said


@pytest.mark.xdist_group("terminals")  # a real terminal with a TUI and its monitor: one at a time
def test_the_dutch_demo_and_its_drill_in_a_real_terminal_then_the_english_one_in_the_same_home(tmp_path):
    """`LANG=nl_NL.UTF-8 warroom demo --drill` in tmux: the Dutch home, its drill's Dutch playbook
    and injects on screen; then `warroom demo --lang en` in the same home is English again."""
    need_tool("tmux", "tmux")
    home = tmp_path / "demo"
    socket = f"warroom-nl-{uuid.uuid4().hex[:8]}"  # a tmux server of this test's own
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    settings = tmp_path / "tmux.conf"
    settings.write_text("set -g default-size 120x40\n")

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, env=environment).stdout

    def see(test, what: str, timeout: float = 90) -> None:
        try:
            wait_for(test, timeout=timeout, what=what)
        except AssertionError as failed:
            raise AssertionError(f"{failed}; the screen was:\n{tmux('capture-pane', '-t', 'demo', '-p')}") from None

    def screen() -> str:
        return tmux("capture-pane", "-t", "demo", "-p")

    def ended() -> bool:
        return "demo" not in tmux("list-sessions", "-F", "#{session_name}")

    try:
        tmux("-f", str(settings), "new-session", "-d", "-s", "demo",
             f"cd {ROOT} && LANG=nl_NL.UTF-8 {sys.executable} -m warroom --home {home} demo --drill")
        see(lambda: "Crisiskamer ministerie van Sociale Zaken (demo)" in screen(), "the Dutch demo's board")
        see(lambda: re.search(r"#1\s.*Uitval van de primaire", screen()), "the demo's drill, its playbook in Dutch")
        see(lambda: "Klantcontactcentrum" in screen() or "inject 2" in screen(), "the drill's second inject", timeout=120)
        tmux("kill-session", "-t", "demo")
        wait_for(ended, timeout=30, what="the Dutch demo to end")
        assert tomllib.loads((home / "warroom.toml").read_text(encoding="utf-8"))["settings"]["language"] == "nl"
        assert _dutch(home / "playbooks")

        tmux("-f", str(settings), "new-session", "-d", "-s", "demo", f"cd {ROOT} && {sys.executable} -m warroom --home {home} demo --lang en")
        see(lambda: "Ministry of Social Affairs" in screen(), "the English demo's board in the same home")
        assert "language" not in tomllib.loads((home / "warroom.toml").read_text(encoding="utf-8"))["settings"]
        assert not _dutch(home / "playbooks")
    finally:
        tmux("kill-server")
    listed = run_cli("incident", "list", "--json", home=home)
    (drill,) = json.loads(listed.stdout)
    assert drill["playbook"] == "cloud-hosting-outage" and drill["status"] in ("resolved", "open")
    assert run_cli("verify", home=home).returncode == 0
