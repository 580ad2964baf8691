"""What the services, the monitor and the pure domain tell a person, in Dutch under `nl` (issue 14):
a refusal is still one line and exit 2, doctor's findings and the risk view's explanations are
Dutch, and no English sentence of ours is left in them. English is what the other tests assert."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import run_cli
from tests.test_cli_bad_input import incident, one_line_failure  # noqa: F401 (incident: a fixture; the log must not change)
from tests.test_incidents import cli_ok, configure, event_rows


@pytest.mark.parametrize(("args", "dutch", "english"), [
    (("incident", "resolve", "999"), ["geen incident #999", "open of gestabiliseerde incidenten: #{id}"], ["no incident", "open or stabilised"]),
    (("log", "999", "x"), ["geen incident #999"], ["no incident"]),
    (("incident", "close", "{id}"), ["incident #{id} kan niet op gesloten gezet worden: het is open (los het eerst op)"],
     ["cannot mark", "resolve it first", "it is open"]),
    (("fallback", "activate", "{id}", "nosuch", "--reason", "x"), ["onbekende terugvaloptie 'nosuch' (het register heeft: secondary-dc"],
     ["unknown fallback", "the register has"]),
    (("escalation", "ack", "{id}", "7"), ["incident #{id} heeft geen trede 7 van de opschalingsladder (treden 1 tot en met 2)"],
     ["has no escalation level", "levels 1 to"]),
    (("step", "{id}", "nosuch", "done"), ["incident #{id} heeft geen stap 'nosuch' (stappen: confirm, assess)"], ["has no step", "steps:"]),
], ids=["unknown incident", "unknown incident (log)", "refused transition", "unknown fallback", "unknown level", "unknown step"])
def test_a_refusal_is_one_dutch_line_and_exit_2(home, incident, args, dutch, english):  # noqa: F811 (the fixture)
    result = run_cli("--lang", "nl", *[a.replace("{id}", incident) for a in args], home=home.root)
    message = one_line_failure(result, 2, *[d.replace("{id}", incident) for d in dutch])
    for word in english:
        assert word not in message, message


def test_the_same_refusal_stays_english_without_lang(home, incident):  # noqa: F811 (the fixture)
    result = run_cli("incident", "close", incident, home=home.root)
    one_line_failure(result, 2, f"cannot mark incident #{incident} closed: it is open (resolve it first)")


def test_an_observer_is_refused_in_dutch(home):
    import tomllib

    import tomli_w

    from warroom import identity

    config = tomllib.loads(home.config_path.read_text())
    config["people"] = {f"not-{identity.os_user()}": {"name": "Somebody else", "role": "commander"}}  # so this user is an observer
    for supplier in config["suppliers"]:
        for fallback in supplier.get("fallbacks", []):
            fallback["owner"] = f"not-{identity.os_user()}"
    home.config_path.write_text(tomli_w.dumps(config))
    result = run_cli("--lang", "nl", "playbook", "new", "water-board-outage", home=home.root)
    message = one_line_failure(result, 2, "een waarnemer mag niet een nieuw draaiboek schrijven", "is waarnemer in deze crisiskamer")
    assert "observer cannot" not in message and "write a new playbook" not in message, message


def test_doctor_speaks_dutch(home):
    result = run_cli("--lang", "nl", "doctor", "--offline", home=home.root)
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout
    for dutch in ("geen bestand van de map kan door iedereen op deze host beschreven worden",
                  "warroom.toml en ", "draaiboeken zijn geldig", "tijden worden getoond in Europe/Amsterdam",
                  "vrij op het bestandssysteem van de map", "in orde"):
        assert dutch in out, out
    for english in ("no file of the home", "playbooks are valid", "times are shown in", "free on the home's file system"):
        assert english not in out, out
    # The level column is as wide as the longest Dutch level word, so the findings line up.
    levels = ("in orde", "waarschuwing", "probleem")
    starts = set()
    for line in out.splitlines():
        level = next(word for word in levels if line.startswith(word + " "))
        starts.add(len(line) - len(line[len(level):].lstrip()))
    assert starts == {len("waarschuwing") + 1}, out


def test_doctor_stays_english_without_lang(home):
    out = run_cli("doctor", "--offline", home=home.root).stdout
    assert "ok       no file of the home can be written by anyone on this host" in out, out


def _facts(**changes):
    from warroom import risk

    facts = dict(id="paybank", name="PayBank", criticality="vital", services=(("benefits", None), ("cases", "saas")),
                 fallbacks=(risk.FallbackFacts("manual", False, "failed"),), contract_end=date(2026, 12, 10), exit_plan=False,
                 exit_plan_reviewed=None, outside_eu=("US",), certificate_not_after=datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
                 uptime_30d=99.5, watched_30d=None)
    facts.update(changes)
    return risk.Facts(**facts)


def test_risk_explanations_are_dutch(dutch):
    from warroom import risk
    from warroom.config import Risk

    found = {f.factor: f.why for f in risk.factors(_facts(), Risk(), date(2026, 11, 30), datetime(2026, 11, 30, 12, 0, tzinfo=UTC))}
    assert found["service"] == "2 vitale diensten hangen ervan af: benefits, cases (via saas)"
    assert found["vital"] == "belang vitaal"
    assert found["fallback_never_exercised"] == "nooit geoefend: manual"
    assert found["fallback_failed"] == "laatste oefening mislukt: manual"
    assert found["contract_ending"] == "contract eindigt op 2026-12-10 (over 10 dagen); geen exitplan"
    assert found["outside_eu"] == "buiten de EU: US"
    assert found["certificate"].startswith("TLS-certificaat verloopt op 2026-12-02 12:00 UTC (over 2 dagen, binnen ")
    assert found["availability"].startswith("beschikbaarheid over 30 dagen 99,500 % ligt "), found["availability"]
    one = {f.factor: f.why for f in risk.factors(_facts(services=(("benefits", None),), fallbacks=()), Risk(), date(2026, 11, 30),
                                                 datetime(2026, 11, 30, 12, 0, tzinfo=UTC))}
    assert one["service"] == "1 vitale dienst hangt ervan af: benefits"
    assert one["no_fallback"] == "geen terugvaloptie in het register"
    english = " ".join([*found.values(), *one.values()])
    for word in ("crucial", "depend", "criticality", "never exercised", "contract ends", "exit plan", "outside the EU", "uptime", "fallback"):
        assert word not in english, english


def test_the_lifecycle_refuses_in_dutch(dutch):
    from warroom.vocabulary import transition_refusal

    assert transition_refusal("closed", "resolved") == "het is gesloten (het is al opgelost of gesloten)"
    assert transition_refusal("open", "closed") == "het is open (los het eerst op)"
    assert transition_refusal("open", "resolved") is None


def test_verify_reports_in_dutch(home):
    result = run_cli("--lang", "nl", "verify", home=home.root)
    assert result.returncode == 0, result.stderr
    assert "logboek gecontroleerd: 1 gebeurtenis, hashketen ongeschonden, integriteit van de database in orde" in result.stdout, result.stdout
    assert "toestandstabellen kloppen met de gebeurtenissen" in result.stdout, result.stdout
    assert "event log verified" not in result.stdout and "state tables match" not in result.stdout, result.stdout


def test_playbook_show_in_dutch(home):
    configure(home)
    result = run_cli("--lang", "nl", "playbook", "show", "quick-drill", home=home.root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for dutch in ("Aanleiding     nlcloud onbereikbaar gedurende 1m", "Normen", "bevestigen binnen 1m", "Stappen", "Opschaling", "Besluiten"):
        assert dutch in out, out
    for english in ("Trigger", "Targets", "Steps", "Escalation", "Decisions", "acknowledge within"):
        assert english not in out, out


def test_the_monitor_says_its_priority_in_dutch(dutch):
    from warroom.monitor.service import lower_priority

    assert lower_priority(0).startswith("draait met de prioriteit waarmee het gestart is (nice ")


def test_a_failed_fault_inject_is_stored_in_english_whatever_the_language_of_whoever_fired_it(home):
    """The log's words are one language: a Dutch coordinator's failed inject stores the simulator's
    error in English (the screens say it in Dutch from the event's kind and data)."""
    configure(home)
    drill = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    home.config_path.write_text(home.config_path.read_text().replace("[settings]\n", '[settings]\nsimulator = "http://127.0.0.1:9"\n', 1))
    run_cli("--lang", "nl", "drill", "inject", drill, "--fault", "nlcloud=down", home=home.root)
    (failed,) = event_rows(home, "drill.inject_failed")
    assert "did not answer" in failed["data"]["error"] and "antwoordde" not in failed["summary"], failed
