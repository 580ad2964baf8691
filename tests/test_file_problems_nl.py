"""The one-line problems of files people write, and durations, in Dutch (issue 14): the
`file:line: field:` part stays as it is, the message speaks the chosen language, English is
unchanged."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from tests.conftest import assert_clean_failure, run_cli
from warroom import durations, files, i18n, tomlsource
from warroom.config import Config, notified
from warroom.errors import BadInput, InvalidFile
from warroom.home import Home
from warroom.playbooks.schema import Playbook

BROKEN = '''id = "x"
title = "A scenario"
severity = "apocalyptic"
version = 0

[[steps]]
id = "confirm"
titel = "Confirm"
due = "ten minutes"
'''

REFERENCES = '''id = "refs"
title = "References"

[trigger]
supplier = "nlclod"

[[steps]]
id = "confirm"
title = "Confirm"

[[escalation]]
after = "0m"
notify = ["duty-officer", "minister"]
'''


def test_a_broken_playbook_is_refused_in_dutch_naming_file_line_and_field(home):
    (home.playbooks_dir / "case.toml").write_text(BROKEN, encoding="utf-8")
    (home.playbooks_dir / "refs.toml").write_text(REFERENCES, encoding="utf-8")
    (home.playbooks_dir / "syntax.toml").write_text('id = "y"\ndue = 10m\n', encoding="utf-8")
    (home.playbooks_dir / "empty.toml").write_text("  \n", encoding="utf-8")
    result = run_cli("--lang", "nl", "playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    for expected in (
        "playbooks/case.toml:3: severity: Invoer moet 'low', 'medium', 'high' of 'critical' zijn",
        "playbooks/case.toml:4: version: Invoer moet groter dan of gelijk aan 1 zijn",
        "playbooks/case.toml:6: steps[0].title: verplichte sleutel ontbreekt",
        "playbooks/case.toml:8: steps[0].titel: onbekende sleutel (een tikfout?",
        "playbooks/case.toml:9: steps[0].due: 'ten minutes' is geen tijdsduur (schrijf 30s, 10m, 2h, 1d,",
        "playbooks/refs.toml:5: trigger.supplier: onbekende leverancier 'nlclod' (niet in warroom.toml)",
        "playbooks/refs.toml:13: escalation[0].notify[1]: onbekende ontvanger 'minister' (definieer [notify.minister] in warroom.toml)",
        "playbooks/syntax.toml:2:9: TOML-syntaxfout: na een uitdrukking hoort een nieuwe regel of het einde van het bestand",
        "playbooks/empty.toml: bestand is leeg",
    ):
        assert expected in result.stderr, result.stderr
    for english in ("Input should", "required key", "unknown key", "is not a duration", "unknown supplier", "TOML syntax error",
                    "file is empty", "Expected newline"):
        assert english not in result.stderr, result.stderr
    english = run_cli("playbook", "validate", home=home.root)  # the same files, in English as before
    assert "playbooks/case.toml:3: severity: Input should be 'low', 'medium', 'high' or 'critical'" in english.stderr
    assert "playbooks/syntax.toml:2:9: TOML syntax error: Expected newline or end of document after a statement" in english.stderr


def test_a_broken_config_is_refused_in_dutch(home):
    text = home.config_path.read_text(encoding="utf-8")
    broken = (text.replace("confirm = 2", 'confirm = "two"').replace('timezone = "Europe/Amsterdam"', 'timezone = "Europe/Amsterdm"')
              .replace('role = "scribe"', 'role = "minister"'))
    assert broken.count("two") and "Amsterdm" in broken and "minister" in broken
    home.config_path.write_text(broken, encoding="utf-8")
    result = run_cli("--lang", "nl", "playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "warroom.toml:8: settings.timezone: 'Europe/Amsterdm' is geen bekende tijdzone (zoals Europe/Amsterdam)" in result.stderr, result.stderr
    assert ("warroom.toml:10: settings.confirm: Invoer moet een geldig geheel getal zijn; de tekst is niet als geheel getal te lezen"
            in result.stderr), result.stderr
    assert "people.bob.role: Invoer moet 'commander', 'coordinator', 'scribe', 'facilitator' of 'observer' zijn" in result.stderr
    assert "Input should" not in result.stderr and "is not a known time zone" not in result.stderr


def test_a_missing_home_is_said_in_dutch(tmp_path):
    result = run_cli("--lang", "nl", "playbook", "list", home=tmp_path / "nowhere")
    assert_clean_failure(result, 2)
    assert f"geen map van een crisiskamer op {tmp_path / 'nowhere'} (maak er een: warroom init" in result.stderr, result.stderr
    assert "no war-room home" not in result.stderr


# (TOML text, the field, pydantic's error type it makes, the Dutch message)
PYDANTIC_CASES = [
    ('[settings]\nconfirm = "two"\n', "settings.confirm", "int_parsing",
     "Invoer moet een geldig geheel getal zijn; de tekst is niet als geheel getal te lezen"),
    ("[settings]\nconfirm = 0\n", "settings.confirm", "greater_than_equal", "Invoer moet groter dan of gelijk aan 1 zijn"),
    ("[settings]\nconfirm = 21\n", "settings.confirm", "less_than_equal", "Invoer moet kleiner dan of gelijk aan 20 zijn"),
    ("[settings]\nconfirm = 1.5\n", "settings.confirm", "int_from_float",
     "Invoer moet een geldig geheel getal zijn, geen getal met cijfers achter de komma"),
    ("[settings]\ntitle = 5\n", "settings.title", "string_type", "Invoer moet een geldige tekst (string) zijn"),
    ('[settings]\nlanguage = "de"\n', "settings.language", "literal_error", "Invoer moet 'en' of 'nl' zijn"),
    ("settings = 5\n", "settings", "model_type", "Invoer moet een geldige tabel of een Settings zijn"),
    ("suppliers = 5\n", "suppliers", "list_type", "Invoer moet een geldige lijst (array) zijn"),
    ("people = 5\n", "people", "dict_type", "Invoer moet een geldige tabel zijn"),
    ('[[suppliers]]\nid = "a"\nname = "A"\n[[suppliers.fallbacks]]\nid = "f"\ntitle = "T"\nowner = "o"\nneeds_decision = "maybe"\n',
     "suppliers[0].fallbacks[0].needs_decision", "bool_parsing",
     "Invoer moet een geldige booleaanse waarde zijn (true of false); de invoer is niet te interpreteren"),
    ('[risk.weights]\nservice = "ten"\n', "risk.weights.service", "float_type", "Invoer moet een geldig getal zijn"),
    ("[risk]\navailability_target = 0.0\n", "risk.availability_target", "greater_than", "Invoer moet groter zijn dan 0"),
    ('[[services]]\nid = "s"\nname = "S"\nsector = "care"\ndepends_on = []\n', "services[0].depends_on", "too_short",
     "Lijst moet na validatie minstens 1 element bevatten, niet 0"),
    ('[[suppliers]]\nid = "a"\nname = "A"\n[[suppliers.maintenance]]\nstart = "tomorrow"\nend = 2026-12-07T22:00:00+01:00\n',
     "suppliers[0].maintenance[0].start", "datetime_from_date_parsing", "Invoer moet een geldige datum-tijd of datum zijn (de invoer is te kort)"),
    ('[settings]\ntitel = "x"\n', "settings.titel", "extra_forbidden", "onbekende sleutel (een tikfout?"),
    ('[[suppliers]]\nid = "a"\n', "suppliers[0].name", "missing", "verplichte sleutel ontbreekt"),
]


def _problems(text: str) -> list[str]:
    with pytest.raises(InvalidFile) as raised:
        tomlsource.validate(Config, tomlsource.parse(text, "warroom.toml"), "warroom.toml", tomlsource.Locator(text))
    return raised.value.problems


@pytest.mark.parametrize(("text", "field", "kind", "message"), PYDANTIC_CASES, ids=[c[2] for c in PYDANTIC_CASES])
def test_pydantic_errors_are_rebuilt_in_dutch_from_their_type(text, field, kind, message):
    try:
        Config.model_validate(tomlsource.parse(text, "warroom.toml"))
    except ValidationError as exc:
        error = next(e for e in exc.errors() if tomlsource.format_path(e["loc"]) == field)
    assert error["type"] == kind
    english = _problems(text)
    if kind not in ("missing", "extra_forbidden"):  # those two are said our way in both languages
        assert any(p.endswith(f": {field}: {error['msg']}") for p in english), english  # pydantic's own words, as before
    i18n.use("nl")
    found = _problems(text)
    assert any(f": {field}: {message}" in p for p in found), found
    assert not any("Input should" in p or "should have" in p for p in found), found


def test_each_pydantic_template_is_pydantic_own_word_for_word():
    """The msgids are pydantic's English: a pydantic that rewords one fails here, not in a user's face."""
    from pydantic_core._pydantic_core import list_all_errors

    from warroom import pydantic_messages

    templates = {e["type"]: e["message_template_python"] for e in list_all_errors()}
    for kind, template in pydantic_messages.MESSAGES.items():
        assert templates[kind] == template, kind
    for kind, (plural, count) in pydantic_messages.PLURALS.items():
        assert plural(1) == templates[kind].replace("{expected_plural}", ""), kind
        assert plural(2) == templates[kind].replace("{expected_plural}", "s"), kind
        assert "{" + count + "}" in templates[kind]


@pytest.mark.parametrize(("text", "dutch"), [
    ("a = 10m\n", "playbooks/x.toml:1:7: TOML-syntaxfout: na een uitdrukking hoort een nieuwe regel of het einde van het bestand"),
    ("[steps\n", "playbooks/x.toml:1:7: TOML-syntaxfout: ']' verwacht aan het einde van een tabelkop"),
    ('a = "open\n', "playbooks/x.toml:1:10: TOML-syntaxfout: ongeldig teken '\\n'"),
    ("a = 1\na = 2\n", "playbooks/x.toml:2:6: TOML-syntaxfout: een waarde kan niet worden overschreven (staat een sleutel er twee keer?)"),
    ("a = [1, 2", "playbooks/x.toml: TOML-syntaxfout: array niet afgesloten (aan het einde van het bestand)"),
    ("a = {b = 1, b = 2}\n", "playbooks/x.toml:1:18: TOML-syntaxfout: sleutel 'b' staat twee keer in een inline-tabel"),
    ("a = tru\n", "playbooks/x.toml:1:5: TOML-syntaxfout: ongeldige waarde"),
])
def test_toml_syntax_errors_in_dutch(text, dutch):
    i18n.use("nl")
    with pytest.raises(InvalidFile) as raised:
        tomlsource.parse(text, "playbooks/x.toml")
    assert raised.value.problems == [dutch]


def test_a_toml_message_we_do_not_know_keeps_tomllib_english(dutch):
    assert tomlsource._syntax_reason("Something a newer Python says (at line 3, column 4)") == "Something a newer Python says"


def test_file_level_problems_in_dutch(dutch, tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(InvalidFile, match=r"^nope.toml: bestand bestaat niet$"):
        tomlsource.load(missing, "nope.toml", Playbook)
    with pytest.raises(InvalidFile, match=r"^folder.toml: is een map, geen bestand$"):
        tomlsource.load(tmp_path, "folder.toml", Playbook)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(InvalidFile, match=r"^fifo.toml: is een FIFO, geen gewoon bestand$"):
        tomlsource.load(fifo, "fifo.toml", Playbook)
    big = tmp_path / "big.toml"
    with open(big, "wb") as out:
        out.truncate(2_000_000)
    with pytest.raises(InvalidFile, match=r"^big.toml: bestand is 2,0 MB; een draaiboek of configuratie moet kleiner zijn dan 1 MB$"):
        tomlsource.load(big, "big.toml", Playbook)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'id = "x"\ntitle = "Caf\xe9"\n')
    with pytest.raises(InvalidFile, match=r"^latin.toml:2: geen UTF-8-tekst \(byte 0xe9 op positie 21\); sla het bestand op als UTF-8$"):
        tomlsource.load(latin, "latin.toml", Playbook)
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InvalidFile, match=r"^deep.toml: te diep genest"):
        tomlsource.load(deep, "deep.toml", Playbook)
    with pytest.raises(InvalidFile, match=r"^playbooks/: is een gewoon bestand, geen map$"):
        files.folder_entries(big, "playbooks/", ".toml")
    with pytest.raises(InvalidFile, match=r"^playbooks/: map bestaat niet$"):
        files.folder_entries(missing, "playbooks/", ".toml")


def test_home_problems_in_dutch(dutch, home):
    with pytest.raises(BadInput, match=r"^geen map van een crisiskamer op .*nowhere \(maak er een: warroom init .*nowhere\)$"):
        Home(home.root.parent / "nowhere").require()
    with pytest.raises(BadInput, match=r"is al een map van een crisiskamer \(warroom.toml bestaat\); er is niets veranderd$"):
        from warroom import home as homes

        homes.init(home.root)
    os.chmod(home.config_path, 0o606)
    with pytest.raises(BadInput, match=r"^de map van de crisiskamer wordt niet geopend: iedereen op deze host kan .*warroom.toml "
                                       r"wijzigen \(modus 0606\); voer uit: chmod o-w "):
        Home(home.root).refuse_unsafe()


def test_the_unsafe_home_message_is_unchanged_in_english(home):
    os.chmod(home.config_path, 0o606)
    with pytest.raises(BadInput, match=r"^refusing to open the war-room home: .*warroom.toml can be written by anyone on this host "
                                       r"\(mode 0606\); run: chmod o-w "):
        Home(home.root).refuse_unsafe()
    i18n.use("nl")
    assert all("iedereen" in problem for problem in Home(home.root).unsafe())


NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)

# (what, English as today, Dutch); the spellings that are the same in both (`40 s`, `7 min`, `—`) are left out
DURATION_CASES = [
    ("spoken 5400 s", lambda: durations.spoken(5400), "1h30m", "1 u 30 min"),
    ("spoken 3725 s", lambda: durations.spoken(3725.4), "1h2m5s", "1 u 2 min 5 s"),
    ("spoken 0", lambda: durations.spoken(0.2), "0s", "0 s"),
    ("spoken a day", lambda: durations.spoken(93600), "1d2h", "1 d 2 u"),
    ("scenario at speed 4", lambda: durations.scenario(60, 4), "4m scenario (1m wall-clock)", "4 min scenariotijd (1 min werkelijke tijd)"),
    ("scenario at speed 1", lambda: durations.scenario(60, 1), "1m", "1 min"),
    ("shown span", lambda: durations.shown_span(timedelta(hours=1, minutes=5, seconds=30.9)), "1h5m30s", "1 u 5 min 30 s"),
    ("shown span 0", lambda: durations.shown_span(timedelta(0)), "0s", "0 s"),
    ("readable hours", lambda: durations.readable(7500), "2 h 05 min", "2 u 05 min"),
    ("readable days", lambda: durations.readable(3 * 86400 + 4 * 3600), "3 d 4 h", "3 d 4 u"),
    ("countdown minutes", lambda: durations.countdown(NOW + timedelta(minutes=29, seconds=59), NOW), "in 29 min", "over 29 min"),
    ("countdown hours", lambda: durations.countdown(NOW + timedelta(minutes=65), NOW), "in 1 h 05 min", "over 1 u 05 min"),
    ("countdown past", lambda: durations.countdown(NOW - timedelta(minutes=3), NOW), "due 3 min ago", "3 min te laat"),
    ("countdown near", lambda: durations.countdown(NOW + timedelta(seconds=119), NOW), "in 1:59", "over 1:59"),
    ("countdown just past", lambda: durations.countdown(NOW - timedelta(seconds=5), NOW), "due 0:05 ago", "0:05 te laat"),
    ("countdown on the wall", lambda: durations.countdown(NOW + timedelta(seconds=3609), NOW, seconds_within=86400),
     "in 1:00:09", "over 1:00:09"),
]


@pytest.mark.parametrize(("what", "said", "english", "dutch_text"), DURATION_CASES, ids=[c[0] for c in DURATION_CASES])
def test_durations_shown_in_dutch_and_unchanged_in_english(what, said, english, dutch_text):
    assert said() == english
    i18n.use("nl")
    assert said() == dutch_text


def test_what_files_hold_and_events_store_stays_one_spelling_in_dutch(dutch):
    """`5m` in a playbook is a file format and `span` goes into stored event summaries: not translated."""
    assert durations.format(timedelta(minutes=90)) == "1h30m"
    assert durations.span(timedelta(minutes=90, seconds=0.5)) == "1h30m"
    assert durations.parse("1h30m") == timedelta(minutes=90)
    assert notified([], drill=True) == "no drill targets"  # as escalation.due's stored summary says it
    assert notified([], drill=True, shown=True) == "geen ontvangers voor oefeningen"
    assert durations.shown_span(timedelta(minutes=90)) == "1 u 30 min"
    with pytest.raises(ValueError, match=r"^'soon' is geen tijdsduur \(schrijf 30s"):
        durations.parse("soon")


def test_our_own_field_messages_in_dutch(dutch):
    text = 'id = "Cloud Outage"\ntitle = "T"\n[[steps]]\nid = "a"\ntitle = "A"\n[[drill.injects]]\nat = "1m"\n'
    with pytest.raises(InvalidFile) as raised:
        tomlsource.validate(Playbook, tomlsource.parse(text, "p.toml"), "p.toml", tomlsource.Locator(text))
    assert raised.value.problems == [
        "p.toml:1: id: 'Cloud Outage' is geen id: gebruik kleine letters, cijfers en enkele koppeltekens, zoals cloud-hosting-outage",
        "p.toml:6: drill.injects[0]: een inject heeft een bericht, een storing of allebei nodig",
    ]


def test_the_file_line_and_field_are_never_translated(dutch):
    text = '[settings]\ninterval = "0s"\n'
    with pytest.raises(InvalidFile) as raised:
        tomlsource.validate(Config, tomlsource.parse(text, "warroom.toml"), "warroom.toml", tomlsource.Locator(text))
    assert raised.value.problems == ["warroom.toml:2: settings.interval: moet langer zijn dan 0s, zoals 30s"]

