"""The language a process speaks, and catalogues that are complete and compiled (issue 14)."""

import subprocess

import pytest

from warroom import i18n
from warroom.locale import catalogue


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, None),
    ({"LANG": "nl_NL.UTF-8"}, "nl"),  # a locale the host need not have generated
    ({"LANG": "nl_BE"}, "nl"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, None),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "nl_NL.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL outranks LANG
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "nl_NL@euro"}, "nl"),
    ({"LANGUAGE": "fr:nl", "LANG": "en_US.UTF-8"}, "nl"),  # a preference list: the first we have
    ({"LANGUAGE": "fr", "LANG": "nl_NL.UTF-8"}, "nl"),  # none we have in it: the next variable decides
    ({"LANGUAGE": "nl", "LC_ALL": "C"}, "en"),  # a C locale asks for English whatever LANGUAGE says (gettext)
    ({"LANGUAGE": "nl", "LANG": "C.UTF-8"}, "en"),
    ({"LANGUAGE": "nl"}, "nl"),
])
def test_the_environment_names_the_language(environ, expected):
    assert i18n.from_environment(environ) == expected


def test_flag_outranks_setting_outranks_environment():
    try:
        assert i18n.choose(override="en", setting="nl", environ={"LANG": "nl_NL"}) == "en"
        assert i18n.choose(setting="nl", environ={"LANG": "en_GB"}) == "nl"
        assert i18n.choose(environ={"LANG": "nl_NL.UTF-8"}) == "nl"
        assert i18n.choose(environ={}) == "en"
        with pytest.raises(ValueError, match="language must be one of en, nl"):
            i18n.use("de")
    finally:
        i18n.use("en")


def test_every_marked_string_has_a_dutch_translation_and_the_catalogue_is_compiled():
    assert catalogue.problems() == []


def test_a_missing_translation_is_named_with_where_it_stands(tmp_path, monkeypatch):
    source = tmp_path / "pkg"
    source.mkdir()
    (source / "m.py").write_text('from warroom.i18n import _\nSHOWN = _("a string nobody translated")\n')
    monkeypatch.setattr(catalogue, "PACKAGE", source)
    found = catalogue.problems()
    assert any("a string nobody translated" in line and "m.py:2" in line for line in found), found


def test_the_compiled_catalogue_ships_in_the_wheel(tmp_path):
    """The .mo files are package data: a wheel built from the tree carries them."""
    built = subprocess.run(["uv", "build", "--wheel", "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    import zipfile
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "warroom/locale/nl/LC_MESSAGES/warroom.mo" in names, [n for n in names if "locale" in n]
    # Babel formats Dutch dates and numbers at run time, so an installed war-room requires it.
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if line.startswith("Requires-Dist:")]
    assert any(line.lower().startswith("requires-dist: babel") for line in requires), requires


def test_no_module_of_the_package_imports_the_catalogue_tool_or_babel():
    """Importing the package loads neither Babel nor the translators' tool: Babel is imported only
    when Dutch is formatted, so an English command does not pay for it (the migration scripts run
    only inside Alembic, so they are not imported here)."""
    import sys
    code = (
        "import importlib, pkgutil, sys, warroom\n"
        "for m in pkgutil.walk_packages(warroom.__path__, 'warroom.'):\n"
        "    if m.name != 'warroom.locale.catalogue' and not m.name.endswith('__main__') and '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'babel' or n == 'warroom.locale.catalogue'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_dates_and_numbers_are_formatted_the_dutch_way_under_nl():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    when = datetime(2026, 11, 30, 14, 3, tzinfo=ZoneInfo("Europe/Amsterdam"))
    try:
        i18n.use("nl")
        assert (i18n.weekday_time(when), i18n.long_date(when), i18n.number(1234.5, decimals=1)) == ("ma 14:03", "maandag 30 november 2026", "1.234,5")
        i18n.use("en")
        assert (i18n.weekday_time(when), i18n.long_date(when), i18n.number(1234.5, decimals=1)) == ("Mon 14:03", "Monday 30 November 2026", "1,234.5")
    finally:
        i18n.use("en")


@pytest.mark.parametrize(("args", "setting", "environ", "expected"), [
    (["--lang", "nl", "status"], None, {}, "nl"),
    (["--lang=nl", "status"], "en", {"LANG": "en_GB"}, "nl"),  # the flag outranks the war-room's setting
    (["status"], "nl", {"LANG": "en_GB.UTF-8"}, "nl"),  # the setting outranks the user's LANG
    (["status"], None, {"LANG": "nl_NL.UTF-8"}, "nl"),
    (["status", "--lang", "nl"], None, {}, "en"),  # after the command's name it is the command's, not ours
    (["--lang", "nl", "--lang", "en", "status"], "nl", {}, "en"),  # the last one given, as click takes it
    (["status"], "de", {"LANG": "nl_NL"}, "nl"),  # a setting we do not have says nothing here (the config's load reports it)
])
def test_the_cli_chooses_flag_then_setting_then_environment(tmp_path, args, setting, environ, expected):
    from warroom.cli import speak

    home = tmp_path / "home"
    home.mkdir()
    if setting:
        (home / "warroom.toml").write_text(f'[settings]\nlanguage = "{setting}"\n')
    try:
        assert speak(["--home", str(home), *args], environ) == expected
    finally:
        i18n.use("en")


def test_a_config_that_is_a_fifo_or_not_toml_leaves_the_choice_to_the_environment(tmp_path):
    import os

    from warroom.cli import speak

    fifo, broken = tmp_path / "fifo", tmp_path / "broken"
    for home in (fifo, broken):
        home.mkdir()
    os.mkfifo(fifo / "warroom.toml")
    (broken / "warroom.toml").write_bytes(b"[settings\\xff")
    try:
        for home in (fifo, broken):
            assert speak(["--home", str(home)], {"LANG": "nl_NL.UTF-8"}) == "nl"
    finally:
        i18n.use("en")


def test_a_language_the_config_does_not_know_is_one_line_naming_the_field(tmp_path):
    from tests.conftest import run_cli

    home = tmp_path / "home"
    assert run_cli("init", str(home)).returncode == 0
    config = home / "warroom.toml"
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\nlanguage = "de"\n', 1))
    done = run_cli("status", home=home)
    assert done.returncode == 2
    assert "warroom.toml:" in done.stderr and "language" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_string_marked_inside_an_f_string_reaches_the_catalogue(tmp_path, monkeypatch):
    """Babel's tokenizer sees an f-string as one token before Python 3.12: the parser finds what it misses."""
    source = tmp_path / "pkg"
    source.mkdir()
    (source / "m.py").write_text('from warroom.i18n import _, C_\nSHOWN = f"<h2>{_(\'Hidden heading\')}</h2>{C_(\'mode\', \'hidden word\')}"\n')
    monkeypatch.setattr(catalogue, "PACKAGE", source)
    found = catalogue.problems()
    assert any("Hidden heading" in line and "m.py:2" in line for line in found), found
    assert any("hidden word" in line for line in found), found


def test_a_json_command_speaks_english_whatever_was_chosen(tmp_path):
    from warroom.cli import speak

    try:
        assert speak(["--lang", "nl", "risks", "--json"], {"LANG": "nl_NL.UTF-8"}) == "en"
        assert speak(["--lang", "nl", "risks"], {}) == "nl"
    finally:
        i18n.use("en")


@pytest.mark.parametrize(("stored", "dutch"), [
    ("slow: 1,240 ms", "traag: 1.240 ms"),
    ("slow connect: 2,001 ms", "trage verbinding: 2.001 ms"),
    ("timeout after 5.0 s", "geen antwoord na 5,0 s"),
    ("certificate expires in 1 days (2026-12-01)", "certificaat verloopt over 1 dag (2026-12-01)"),
    ("certificate valid 30 more days", "certificaat nog 30 dagen geldig"),
    ("check failed: connection refused", "controle mislukt: verbinding geweigerd"),
    ("status page: Major outage", "statuspagina: Major outage"),  # the supplier's own words stay theirs
    ("HTTP 503", "HTTP 503"),
    ("something no checker writes", "something no checker writes"),
])
def test_a_checks_stored_detail_is_said_in_dutch_and_stays_as_stored_in_english(stored, dutch):
    from warroom.health.shown import detail

    try:
        assert detail(stored) == stored
        i18n.use("nl")
        assert detail(stored) == dutch
    finally:
        i18n.use("en")


def test_a_figure_keeps_every_digit_it_has_with_the_languages_decimal_sign():
    try:
        assert [i18n.figure(v) for v in (60.0, 2.5, 1.001)] == ["60", "2.5", "1.001"]
        i18n.use("nl")
        assert [i18n.figure(v) for v in (60.0, 2.5, 1.001)] == ["60", "2,5", "1,001"]  # rounded to two decimals it was '1,'
    finally:
        i18n.use("en")


def test_an_uptime_is_said_with_the_languages_decimal_sign_and_words():
    from warroom.health.availability import Availability
    from warroom.health.shown import uptime_text

    little = Availability(window_seconds=86400, up_seconds=51, degraded_seconds=0, down_seconds=0, maintenance_seconds=0, unknown_seconds=86349,
                          uptime=99.5, outages=0, mttr_seconds=None, longest_outage_seconds=None, ongoing_outage=False)
    try:
        assert uptime_text(little) == "99.50 % (watched 51 s)"
        i18n.use("nl")
        assert uptime_text(little) == "99,50 % (bewaakt 51 s)"
    finally:
        i18n.use("en")
