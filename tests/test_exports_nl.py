"""Exports and webhook messages in Dutch (issue 14): the Markdown report, the HTML page and the
sitrep speak Dutch under `--lang nl`, with no English heading of the interface left; the JSON and
CSV exports are the same bytes in both languages (their field names and values are a contract), and
a Dutch export verifies as an English one does. A webhook message is in the war-room's language."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import tomli_w

from tests.conftest import run_cli, wait_for
from tests.test_exports import AWKWARD, root, template  # noqa: F401  (the worked drill's home, as fixtures)
from tests.test_incidents import Hook, cli_ok, configure, event_rows
from tests.watch.test_reporting import _start, world  # noqa: F401  (a home with the example's NIS2 obligations)

ENGLISH_MD = ("## Summary", "## Key times", "## After-action review", "## Decisions", "## Activity log", "## Integrity",
              "### Times against targets", "### Corrective actions", "Times are in", "Prepared ", "| Time | Who | What |",
              "| Mode |", "| Playbook |", "step confirm done", "fallback secondary-dc activated", "No events.", "events; chain head")
ENGLISH_SITREP = ("# Situation report", "## 1. Situation now", "## 2. Objectives", "## 3. Actions taken", "## 4. Organisation",
                  "## 5. Fallbacks", "## 6. Open steps", "## 7. Next escalation", "Prepared ", "Times are in", "| Role | Name | OS user |")


def _export(home: Path, fmt: str, name: str, *lang: str) -> str:
    result = run_cli(*lang, "export", "1", "--format", fmt, "-o", str(home / name), home=home)
    assert result.returncode == 0, result.stderr
    return (home / name).read_text(encoding="utf-8")


def test_the_markdown_report_in_dutch(root):  # noqa: F811
    text = _export(root, "md", "e.md", "--lang", "nl")
    for heading in ("## Samenvatting", "## Kerntijden", "## Evaluatie", "## Besluiten", "## Logboek", "## Integriteit",
                    "### Tijden tegen de normen", "### Verbeteracties (verbeterplan)", "| Tijd | Wie | Wat |"):
        assert heading in text, heading
    for english in ENGLISH_MD:
        assert english not in text, english
    assert "Tijden in Europe/Amsterdam" in text and "| Status | GESLOTEN |" in text and "| Modus | oefening |" in text
    assert "terugvaloptie secondary-dc ingezet" in text and "stap confirm afgerond" in text  # the activity log, said in Dutch
    assert "ongeschonden: elke hash klopt" in text
    assert "| Norm: bevestigen binnen 1 min |" in text, "a playbook's target said as a Dutch span"
    assert "| Terugvaloptie secondary-dc inzetten (seq " in text, "the decision a fallback records, in Dutch"
    assert "| confirm | Confirm | te laat |" in text and "| bevestigen | gehaald met 40 s |" in text  # the review's words
    assert "third \\<script\\>alert(1)\\</script\\>" in text, "text people typed is shown as typed, escaped"


def test_the_html_page_in_dutch_is_valid_html5_and_says_it_is_dutch(root):  # noqa: F811
    import html5lib

    text = _export(root, "html", "e.html", "--lang", "nl")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    assert tree.get("lang") == "nl"
    headings = [("".join(h.itertext())) for h in tree.iter("h2")]
    assert headings[:4] == ["Samenvatting", "Kerntijden", "Evaluatie", "Besluiten"] and "Tijdlijn" in headings and "Integriteit" in headings
    columns = {"".join(th.itertext()) for th in tree.iter("th")}
    assert {"Tijd", "Wie", "Soort", "Wat", "Trede", "Uiterlijk", "Terugvaloptie"} <= columns
    assert not columns & {"Time", "Who", "Kind", "What", "Level", "Due", "Fallback", "When", "Rationale"}
    assert not {"Summary", "Key times", "Decisions", "Timeline", "Integrity", "After-action review"} & set(headings)
    said = "".join(tree.find(".//body").itertext())
    assert "Ongeschonden" in said and "Tijden in Europe/Amsterdam" in said and "Verified" not in said and "Times are in" not in said
    cells = ["".join(td.itertext()) for td in tree.iter("td")]
    assert any(c.startswith("terugvaloptie secondary-dc ingezet") for c in cells) and "stap afgerond" in cells
    assert any("<script>alert(1)</script> &amp; 🚒" in c for c in cells) and "\x1b" not in text, "typed text shown as typed"
    assert 'counter(page)' in text and '"pagina "' in text


def test_the_sitrep_in_dutch(root):  # noqa: F811
    text = _export(root, "sitrep", "s.md", "--lang", "nl")
    for heading in ("# Situatierapport: incident #1", "## 1. Situatie nu", "## 2. Doelen", "## 3. Genomen acties",
                    "## 4. Organisatie: wie heeft welke rol", "## 5. Terugvalopties", "## 6. Open stappen en besluiten",
                    "## 7. Volgende opschaling", "| Rol | Naam | OS-gebruiker |", "| Leider crisisteam |"):
        assert heading in text, heading
    for english in ENGLISH_SITREP:
        assert english not in text, english
    assert "**OEFENING** · status **GESLOTEN**" in text


def test_an_export_in_dutch_renders_and_verifies_the_same_as_in_english(root):  # noqa: F811
    html = _export(root, "html", "e.html", "--lang", "nl")
    assert '<html lang="nl">' in html and "Samenvatting" in html  # the Dutch run is Dutch...
    english, dutch = (json.loads(_export(root, "json", name, *lang)) for name, lang in (("en.json", ()), ("nl.json", ("--lang", "nl"))))
    for document in (english, dutch):  # ...and its JSON the same as the English one but for the moment it was made
        del document["export"]["generated_at"]
        document["signature"] = None
    assert dutch == english
    assert [e["summary"] for e in dutch["events"]] == [e["summary"] for e in english["events"]]
    for lang in ((), ("--lang", "nl")):
        result = run_cli(*lang, "verify", "--export", str(root / "nl.json"), home=root)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "export ongeschonden: incident #1 Quick drill (oefening, gesloten)" in result.stdout and "elke hash klopt" in result.stdout
    forged = json.loads((root / "nl.json").read_text(encoding="utf-8"))
    forged["events"][0]["summary"] = "veranderd"
    (root / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    refused = run_cli("--lang", "nl", "verify", "--export", str(root / "forged.json"), home=root)
    assert refused.returncode == 3 and "hash" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
    assert _export(root, "csv", "en.csv") == _export(root, "csv", "nl.csv", "--lang", "nl")


def test_a_drafted_legal_report_in_dutch_cites_the_events_in_dutch(world, clock):  # noqa: F811
    home = world[0]
    incident = _start(world, clock)
    result = run_cli("--lang", "nl", "export", str(incident), "--format", "report", "--obligation", "nis2-early-warning", home=home.root)
    assert result.returncode == 0, result.stderr
    draft = result.stdout
    for heading in ("# CONCEPT ", "## 1. Wat er gebeurde", "## 2. Gevolgen voor de dienstverlening", "## 3. Genomen maatregelen",
                    "## 4. Grensoverschrijdende gevolgen", "## 5. Wat deze melding moet bevatten", "**Aan:** ", "**Uiterlijk:** "):
        assert heading in draft, heading
    assert "geopend vanuit draaiboek data-breach" in draft and "## 1. What happened" not in draft and "DRAFT" not in draft


def test_a_webhook_message_is_in_the_war_rooms_language(home, monitors):
    hook = Hook()
    configure(home, webhook=hook.url)
    config = tomllib.loads(home.config_path.read_text())
    config["settings"]["language"] = "nl"
    home.config_path.write_text(tomli_w.dumps(config))
    monitors(home)
    cli_ok(home, "incident", "start", "quick-drill", "--drill")
    # The first escalation's message (on a loaded machine a step's overdue message may come first).
    body = wait_for(lambda: next((b for b in hook.bodies if b["event"] == "escalation.due"), None), timeout=30,
                    what="the webhook to be called for the escalation")
    assert body["mode"] == "drill" and body["data"]["level"] == 1  # fields and data: English
    assert re.match(r"\[OEFENING\] opschaling trede 1: meld ", body["summary"]), body["summary"]
    stored = event_rows(home, "escalation.due")[0]
    assert stored["summary"].startswith("[DRILL] L1 due: ") and body["data"] == stored["data"], "the log itself stays English"
    hook.server.close()


def test_a_webhook_message_follows_the_war_room_not_the_terminal_that_queued_it(home, monitors, monkeypatch):
    """No [settings] language: the monitor's own environment asks for Dutch, yet the webhook is
    English, the war-room's default, so one channel never mixes the languages of its coordinators."""
    hook = Hook()
    configure(home, webhook=hook.url)
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    monitors(home)
    cli_ok(home, "incident", "start", "quick-drill", "--drill")
    body = wait_for(lambda: next((b for b in hook.bodies if b["event"] == "escalation.due"), None), timeout=30,
                    what="the webhook to be called for the escalation")
    assert body["summary"].startswith("[DRILL] L1 due: "), body["summary"]
    hook.server.close()
