"""The command line in Dutch (issue 14): help, click's own words, usage errors, the tables the
commands print, chosen by `--lang nl` or by LANG=nl_NL.UTF-8; `--json` is a contract and stays
byte for byte what English prints. Every test runs the real CLI in a subprocess."""

from __future__ import annotations

import re

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import configure

DUTCH_ENV = {"LANG": "nl_NL.UTF-8"}
NOW = {"WARROOM_NOW": "2026-11-29T14:00:00+00:00"}  # the reading commands' "now": both languages read the same instant


def dutch(*args: str, how: str, home=None, env: dict | None = None):
    """`warroom ARGS` speaking Dutch, asked for by the flag or by the environment."""
    if how == "flag":
        return run_cli("--lang", "nl", *args, home=home, env=env)
    return run_cli(*args, home=home, env={**DUTCH_ENV, **(env or {})})


def english_words(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_help_speaks_dutch(how):
    result = dutch("--help", how=how)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Gebruik: warroom [OPTIES] [OPDRACHT] [ARGUMENTEN]..."), out[:200]
    for word in ("Opties:", "Opdrachten:", "crisiskamer", "Toon deze hulptekst en stop.", "Toon de versie en stop.",
                 "De opschalingsladder.", "De draaiboekenbibliotheek"):
        assert word in out, word
    assert english_words(out, ("Usage", "Options", "Commands", "Show this message and exit.", "The escalation ladder.",
                               "Every incident", "playbook library")) == []


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_commands_help_speaks_dutch(how):
    result = dutch("incident", "start", "--help", how=how)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Gebruik: warroom incident start [OPTIES] PLAYBOOK" in out
    assert "Start een incident vanuit een draaiboek" in out
    assert "Draai het als oefening" in out and "N keer sneller" in out
    assert english_words(out, ("Usage:", "Options:", "Start an incident", "Run it as a drill", "Show this message and exit.")) == []
    group = dutch("incident", "--help", how=how).stdout
    assert "Markeer het incident als gestabiliseerd." in group and "Mark the incident" not in group


def test_english_help_is_unchanged():
    out = run_cli("incident", "start", "--help").stdout
    assert out.startswith("Usage: warroom incident start [OPTIONS] PLAYBOOK\n")
    assert "Start an incident from a playbook; prints only the new incident's id." in out
    assert "Show this message and exit." in out


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_usage_error_in_dutch_exits_2_laid_out_as_in_english(how):
    english = run_cli("log")
    result = dutch("log", how=how)
    assert_clean_failure(result, 2)
    assert result.stderr.splitlines() == ["Gebruik: warroom log [OPTIES] ID TEXT", "Probeer 'warroom log --help' voor hulp.", "",
                                          "Fout: Ontbrekend argument 'ID'."]
    assert len(result.stderr.splitlines()) == len(english.stderr.splitlines())
    unknown = dutch("--bogus", how=how)
    assert_clean_failure(unknown, 2)
    assert "Fout: Onbekende optie '--bogus'." in unknown.stderr and "No such option" not in unknown.stderr


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_bad_value_in_dutch_is_one_line_exit_2(how):
    for args, dutch_words in ((["log", "0", "x"], "Ongeldige waarde voor 'ID': 0 is geen incident-id"),
                              (["log", "1", "x", "--kind", "wish"], "'wish' is niet een van 'decision'")):
        result = dutch(*args, how=how)
        assert_clean_failure(result, 2)
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("warroom log: ") and dutch_words in result.stderr, result.stderr
        assert "Invalid value" not in result.stderr and "is not" not in result.stderr


@pytest.fixture(scope="module")
def busy_home(tmp_path_factory):
    """A home with a drill that was stabilised and a live incident still open, as the CLI makes them;
    made once for this module's tests, which only read it."""
    from datetime import UTC, datetime

    from warroom.clock import MovableClock
    from warroom.services import homes

    home = homes.create(tmp_path_factory.mktemp("dutch") / "home", clock=MovableClock(datetime(2026, 11, 29, 13, 0, tzinfo=UTC)),
                        actor="alice", origin={"host": "test", "terminal": None, "ssh_client": None})
    configure(home)  # one person, whoever runs the tests, holds every role
    english = {"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}  # the autouse environment is per test
    for args in (["incident", "start", "cloud-hosting-outage", "--drill"], ["incident", "stabilise", "1"],
                 ["incident", "start", "cloud-hosting-outage"]):
        done = run_cli(*args, home=home.root, env=english)
        assert done.returncode == 0, done.stderr
    return home


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_incident_list_shows_dutch_states_in_aligned_columns(busy_home, how):
    result = dutch("incident", "list", how=how, home=busy_home.root, env=NOW)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) == 2
    assert re.match(r"#2\s+ECHT\s+open\s", rows[0]), rows[0]
    assert re.match(r"#1\s+OEFENING\s+gestabiliseerd\s", rows[1]), rows[1]
    assert rows[0].index("2026-") == rows[1].index("2026-"), "the columns after the Dutch words still line up"
    assert english_words(result.stdout, ("LIVE", "DRILL", "stabilised")) == []


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_status_speaks_dutch(busy_home, how):
    result = dutch("status", how=how, home=busy_home.root, env=NOW)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for word in ("Leveranciers", "Incidenten", "onbekend", "sinds —", "OEFENING", "gestabiliseerd", "Vitale diensten"):
        assert word in out, (word, out)
    assert english_words(out, ("Suppliers", "Incidents", "unknown", "since", "DRILL", "LIVE", "stabilised", "Crucial services")) == []


def test_status_in_english_is_unchanged(busy_home):
    out = run_cli("status", home=busy_home.root, env=NOW).stdout
    assert out.startswith("Suppliers\n")
    assert re.search(r"\n  #1\s+DRILL stabilised ", out) and re.search(r"\n  #2\s+LIVE  open       ", out), out
    assert "since —" in out and "Crucial services: none known to be hit;" in out


@pytest.mark.parametrize("command", [["status"], ["incident", "list"], ["incident", "show", "1"], ["fallbacks"],
                                     ["risks"], ["report", "list", "1"], ["review", "1"], ["drill", "msel", "1"]])
def test_json_is_byte_identical_in_dutch(busy_home, command):
    english = run_cli(*command, "--json", home=busy_home.root, env=NOW)
    assert english.returncode == 0, english.stderr
    assert english.stdout.lstrip().startswith(("{", "["))
    for how in ("flag", "environment"):
        result = dutch(*command, "--json", how=how, home=busy_home.root, env=NOW)
        assert result.returncode == 0, result.stderr
        assert result.stdout == english.stdout, how
    # while what the same command shows a person is Dutch: the language was in effect
    shown = dutch(*command, how="flag", home=busy_home.root, env=NOW)
    assert shown.returncode == 0 and shown.stdout != run_cli(*command, home=busy_home.root, env=NOW).stdout


def test_the_other_tables_speak_dutch(busy_home):
    show = dutch("incident", "show", "1", how="flag", home=busy_home.root, env=NOW).stdout
    head, _, log = show.partition("\nLogboek\n")
    assert head.startswith("#1 OEFENING · ") and "· GESTABILISEERD · geopend " in head and "\nStappen\n" in head and "uiterlijk" in head
    assert "\nOpschaling\n" in head and "\nTerugvalopties\n" in head and "beschikbaar  (vraagt een besluit)" in head
    assert log.endswith("keten: ongeschonden, volledig\n")
    # The log's summaries are said in Dutch from each event's kind and data (warroom/eventtext.py)
    assert "incident #1 gestabiliseerd (was open)" in log and "stabilised (was open)" not in log, log
    assert english_words(head, ("Steps", "Escalation", "Fallbacks", "opened", "available", "due", "DRILL", "STABILISED")) == []
    fallbacks = dutch("fallbacks", how="flag", home=busy_home.root, env=NOW).stdout
    assert "eigenaar" in fallbacks and "NOOIT GEOEFEND" in fallbacks and "owner" not in fallbacks
    review = dutch("review", "1", how="flag", home=busy_home.root, env=NOW).stdout
    assert review.startswith("Evaluatie van #1 OEFENING") and "normen gehaald:" in review and "Stappen" in review
    assert english_words(review, ("Review", "targets met", "Steps", "wall-clock")) == []
    risks = dutch("risks", how="flag", home=busy_home.root, env=NOW).stdout
    assert risks.startswith("Risico per leverancier, hoogste eerst")


def test_an_interrupted_command_says_so_in_dutch(tmp_path):
    """Ctrl-C on a serving command: click turns it into an abort, main() says it in one line."""
    import os
    import signal
    import subprocess
    import sys

    server = subprocess.Popen([sys.executable, "-m", "warroom", "--lang", "nl", "simulate", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "WARROOM_HOME": str(tmp_path)})
    try:
        assert server.stdout.readline().strip().isdigit()  # serving: its port, printed when it listens
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 1
    assert err.rstrip("\n").endswith("\nwarroom: afgebroken"), err
    assert "simulator op http://127.0.0.1:" in err and "aborted" not in err


def test_the_ssh_door_refuses_in_dutch():
    import os
    import subprocess
    import sys

    refused = subprocess.run([sys.executable, "-m", "warroom.cli.ssh"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, **DUTCH_ENV, "SSH_ORIGINAL_COMMAND": "init /tmp/elsewhere"})
    assert_clean_failure(refused, 2)
    assert refused.stderr.startswith("warroom-ssh: 'init' is niet toegestaan via SSH: het verandert bestanden of diensten"), refused.stderr
    assert refused.stderr.count("\n") == 1 and "not allowed" not in refused.stderr


@pytest.mark.parametrize(("line", "expected"), [
    ("warroom --lang en status", ["--lang", "en", "status"]),
    ("--lang=nl incident list", ["--lang=nl", "incident", "list"]),
])
def test_the_ssh_door_lets_a_language_through_for_one_command(line, expected):
    from warroom.cli.ssh import arguments

    assert arguments(line) == expected


@pytest.mark.parametrize("line", ["--lang fr status", "--lang", "--lang=de status"])
def test_the_ssh_door_refuses_a_language_it_does_not_have(line):
    from warroom.cli.ssh import Refused, arguments

    with pytest.raises(Refused):
        arguments(line)
