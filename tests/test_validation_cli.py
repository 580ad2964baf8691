"""Malformed playbooks and configs through the real CLI: exit 2, file, line, field, no traceback,
and nothing else in the home changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import assert_clean_failure, run_cli

GOOD = '''id = "{id}"
title = "A scenario"

[trigger]
supplier = "nlcloud"
for = "5m"

[[steps]]
id = "confirm"
title = "Confirm"
due = "10m"

[[escalation]]
after = "0m"
notify = ["duty-officer"]
'''

# (name, file content, expected text in stderr) — line numbers counted in the content as written.
PLAYBOOK_CASES = [
    ("bad-duration", GOOD.format(id="x") + '\n[[steps]]\nid = "assess"\ntitle = "Assess"\ndue = "ten minutes"\n',
     'playbooks/case.toml:20: steps[1].due: \'ten minutes\' is not a duration (use 30s, 10m, 2h, 1d, or units largest first like 1h30m)'),
    ("typo-key", GOOD.format(id="x").replace('title = "Confirm"', 'titel = "Confirm"'),
     "playbooks/case.toml:10: steps[0].titel: unknown key"),
    ("missing-title", GOOD.format(id="x").replace('title = "A scenario"\n', ""),
     "playbooks/case.toml:1: title: required key is missing"),
    ("unknown-trigger-supplier", GOOD.format(id="x").replace('supplier = "nlcloud"', 'supplier = "nlclod"'),
     "playbooks/case.toml:5: trigger.supplier: unknown supplier 'nlclod'"),
    ("unknown-fault-supplier", GOOD.format(id="x") + '\n[[drill.injects]]\nat = "1m"\nfault = { supplier = "acme", mode = "down" }\n',
     "playbooks/case.toml:19: drill.injects[0].fault.supplier: unknown supplier 'acme'"),
    ("duplicate-step", GOOD.format(id="x") + '\n[[steps]]\nid = "confirm"\ntitle = "Again"\n',
     "playbooks/case.toml:18: steps[1].id: duplicate id 'confirm'"),
    ("unknown-notify", GOOD.format(id="x").replace('["duty-officer"]', '["duty-officer", "minister"]'),
     "playbooks/case.toml:15: escalation[0].notify[1]: unknown notify target 'minister'"),
    ("unknown-fallback", 'fallbacks = ["moon-base"]\n' + GOOD.format(id="x"),
     "playbooks/case.toml:1: fallbacks[0]: unknown fallback 'moon-base'"),
    ("syntax-error", GOOD.format(id="x").replace('due = "10m"', "due = 10m"),
     "playbooks/case.toml:11:9: TOML syntax error"),
    ("bad-id", GOOD.format(id="Cloud Outage"),
     "playbooks/case.toml:1: id: 'Cloud Outage' is not an id"),
    ("bad-severity", 'severity = "apocalyptic"\n' + GOOD.format(id="x"),
     "playbooks/case.toml:1: severity: Input should be 'low', 'medium', 'high' or 'critical'"),
    ("unknown-expect", GOOD.format(id="x") + '\n[[drill.injects]]\nat = "1m"\nmessage = "Press calls"\nexpect = "press"\n',
     "playbooks/case.toml:20: drill.injects[0].expect: 'press' is neither a step nor a decision"),
    ("no-steps", "steps = []\n" + GOOD.format(id="x").split("[[steps]]")[0],
     "playbooks/case.toml:1: steps: List should have at least 1 item"),
    ("inject-without-content", GOOD.format(id="x") + '\n[[drill.injects]]\nat = "1m"\n',
     "playbooks/case.toml:17: drill.injects[0]: an inject needs a message, a fault, or both"),
]


@pytest.mark.parametrize("name,content,expected", PLAYBOOK_CASES, ids=[c[0] for c in PLAYBOOK_CASES])
def test_malformed_playbook_is_refused_with_file_line_and_field(home, name, content, expected):
    (home.playbooks_dir / "case.toml").write_text(content, encoding="utf-8")
    before = _snapshot(home.root)
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert expected in result.stderr, result.stderr
    assert _snapshot(home.root) == before


def test_problems_are_all_collected_not_just_the_first(home):
    content = GOOD.format(id="Bad Id").replace('due = "10m"', 'due = "soon"').replace('title = "Confirm"', 'titel = "Confirm"')
    (home.playbooks_dir / "case.toml").write_text(content, encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "case.toml:1: id:" in result.stderr
    assert "case.toml:10: steps[0].titel:" in result.stderr
    assert "case.toml:11: steps[0].due:" in result.stderr


def test_empty_file(home):
    (home.playbooks_dir / "case.toml").write_text("  \n", encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "playbooks/case.toml: file is empty" in result.stderr


def test_file_that_is_not_utf8(home):
    (home.playbooks_dir / "case.toml").write_bytes(b'id = "x"\ntitle = "Caf\xe9"\n')
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "playbooks/case.toml:2: not UTF-8 text (byte 0xe9" in result.stderr


def test_file_of_50_mb(home):
    with open(home.playbooks_dir / "case.toml", "wb") as big:
        big.truncate(50 * 1024 * 1024)
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "playbooks/case.toml: file is 52.4 MB; a playbook or config must be under 1 MB" in result.stderr


def test_directory_passed_as_a_file(home, tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    result = run_cli("playbook", "validate", str(folder), home=home.root)
    assert_clean_failure(result, 2)
    assert f"{folder}: is a directory, not a file" in result.stderr


def test_missing_file_given_on_the_command_line(home, tmp_path):
    result = run_cli("playbook", "validate", str(tmp_path / "nope.toml"), home=home.root)
    assert_clean_failure(result, 2)
    assert "nope.toml: no such file" in result.stderr


def test_duplicate_playbook_id_across_files(home):
    (home.playbooks_dir / "copy.toml").write_text(GOOD.format(id="cloud-hosting-outage"), encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "duplicate playbook id 'cloud-hosting-outage'" in result.stderr
    assert "playbooks/copy.toml:1: id:" in result.stderr or "playbooks/cloud-hosting-outage.toml:2: id:" in result.stderr


CONFIG_CASES = [
    ("unknown-service-supplier", lambda t: t.replace('depends_on = ["nlcloud", "paybank"]', 'depends_on = ["nlcloud", "paybnk"]'),
     "services[0].depends_on: unknown supplier 'paybnk'"),
    ("bad-timezone", lambda t: t.replace('timezone = "Europe/Amsterdam"', 'timezone = "Europe/Amsterdm"'),
     "warroom.toml:8: settings.timezone: 'Europe/Amsterdm' is not a known time zone"),
    ("tcp-without-port", lambda t: t.replace('url = "tcp://sftp.paybank.example:22"', 'url = "tcp://sftp.paybank.example"'),
     "suppliers[2].checks[1]: 'tcp://sftp.paybank.example' needs a port"),
    ("circular-dependency", lambda t: t.replace('id = "nlcloud"\n', 'id = "nlcloud"\ndepends_on = ["casesaas"]\n'),
     "suppliers[0].depends_on: circular dependency through 'nlcloud'"),
    ("maintenance-without-offset", lambda t: t.replace("start = 2026-12-06T22:00:00+01:00", "start = 2026-12-06T22:00:00"),
     "suppliers[0].maintenance[0].start: needs a UTC offset"),
    ("unknown-role", lambda t: t.replace('role = "scribe"', 'role = "minister"'),
     "people.bob.role: Input should be 'commander', 'coordinator', 'scribe', 'facilitator' or 'observer'"),
]


@pytest.mark.parametrize("name,edit,expected", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_malformed_config_is_refused_with_line_and_field(home, name, edit, expected):
    text = home.config_path.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text, "the test's edit did not apply"
    home.config_path.write_text(changed, encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "warroom.toml:" in result.stderr and expected in result.stderr, result.stderr


def test_every_command_refuses_a_broken_config_the_same_way(home):
    home.config_path.write_text(home.config_path.read_text().replace('confirm = 2', 'confirm = "two"'), encoding="utf-8")
    for args in (["playbook", "list"], ["playbook", "show", "cloud-hosting-outage"]):
        result = run_cli(*args, home=home.root)
        assert_clean_failure(result, 2)
        assert "warroom.toml:10: settings.confirm: Input should be a valid integer" in result.stderr


def test_every_bundled_playbook_and_the_example_config_validate(home):
    result = run_cli("playbook", "validate", home=home.root)
    assert result.returncode == 0, result.stderr
    bundled = sorted(p.name for p in (Path(__file__).parent.parent / "playbooks").glob("*.toml"))
    assert len(bundled) >= 6
    for name in bundled:
        assert f"ok  playbooks/{name}" in result.stdout
    assert "ok  warroom.toml" in result.stdout


def _snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*") if p.is_file() and "case.toml" not in p.name}


def test_snapshot_helper_sees_changes(home):
    before = _snapshot(home.root)
    os.utime(home.config_path, (0, 0))
    assert _snapshot(home.root) != before
