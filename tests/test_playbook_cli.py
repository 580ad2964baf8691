"""`warroom playbook list | show | new` and `schema`, through the real CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import tomli_w

from tests.conftest import ROOT, assert_clean_failure, run_cli
from warroom import identity
from warroom.config import Config
from warroom.playbooks.schema import Playbook
from warroom.services import actors


def test_list_prints_one_playbook_a_line_id_first(home):
    result = run_cli("playbook", "list", home=home.root)
    assert result.returncode == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == sorted(p.stem for p in (ROOT / "playbooks").glob("*.toml"))


def test_list_json_and_a_broken_file_does_not_hide_the_others(home):
    (home.playbooks_dir / "broken.toml").write_text('id = "broken"\n', encoding="utf-8")
    result = run_cli("playbook", "list", "--json", home=home.root)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert {"cloud-hosting-outage", "saas-ransomware"} <= {p["id"] for p in listed}
    outage = next(p for p in listed if p["id"] == "cloud-hosting-outage")
    assert outage["trigger"] == {"supplier": "nlcloud", "state": "down", "for": "5m"}
    assert "playbooks/broken.toml: not listed" in result.stderr


def test_show_renders_steps_ladder_fallbacks_and_injects(home):
    as_commander(home)  # the drill script is the facilitator's (or commander's) to read
    result = run_cli("playbook", "show", "payment-processor-payday", home=home.root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Trigger    paybank down for 10m" in out
    assert "manual-batch: Manual payment batch" in out and "needs a decision" in out
    assert "L1  after 0s" in out and "L3  after 1h" in out
    assert "Duty officer, Crisis Coordination Centre" in out
    assert "fault paybank=down" in out


def test_show_an_unknown_playbook_names_the_known_ones(home):
    result = run_cli("playbook", "show", "cloud-outage", home=home.root)
    assert_clean_failure(result, 2)
    assert "unknown playbook 'cloud-outage' (known: cloud-hosting-outage," in result.stderr


def as_commander(home) -> None:
    """The example's [people] does not name whoever runs the tests, which makes them an observer:
    name them, so that they may write a playbook."""
    config = tomllib.loads(home.config_path.read_text())
    config["people"][identity.os_user()] = {"name": "Test runner", "role": "commander"}
    home.config_path.write_text(tomli_w.dumps(config))


def test_new_writes_a_skeleton_that_validates(home):
    as_commander(home)
    result = run_cli("playbook", "new", "water-board-outage", home=home.root)
    assert result.returncode == 0, result.stderr
    path = home.playbooks_dir / "water-board-outage.toml"
    assert result.stdout.strip() == str(path)
    assert path.read_text().startswith("#:schema ./playbook.schema.json\n")
    checked = run_cli("playbook", "validate", str(path), home=home.root)
    assert checked.returncode == 0, checked.stderr
    again = run_cli("playbook", "new", "water-board-outage", home=home.root)
    assert_clean_failure(again, 2)
    assert "exists" in again.stderr


def test_new_refuses_a_bad_id(home):
    as_commander(home)
    result = run_cli("playbook", "new", "Water Board", home=home.root)
    assert_clean_failure(result, 2)
    assert "'Water Board' is not an id" in result.stderr
    assert not list(home.playbooks_dir.glob("Water*"))


def test_schema_command_matches_the_models_and_the_bundled_schema_file(home):
    playbook = run_cli("schema", "playbook")
    config = run_cli("schema", "config")
    assert json.loads(playbook.stdout) == Playbook.model_json_schema()
    assert json.loads(config.stdout) == Config.model_json_schema()
    assert json.loads((ROOT / "playbooks" / "playbook.schema.json").read_text()) == Playbook.model_json_schema(), \
        "playbooks/playbook.schema.json is stale: uv run warroom schema playbook > playbooks/playbook.schema.json"
    assert json.loads((home.playbooks_dir / "playbook.schema.json").read_text()) == Playbook.model_json_schema()
    assert json.loads((home.root / "warroom.schema.json").read_text()) == Config.model_json_schema()


def test_bundled_files_point_editors_at_the_schema():
    for path in (ROOT / "playbooks").glob("*.toml"):
        assert path.read_text().startswith("#:schema ./playbook.schema.json\n"), path.name


def test_readme_reference_is_generated_from_the_models():
    from tests.docs.reference import END, START, render

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(START) : readme.index(END) + len(END)]
    assert section == render(), "README reference is stale: uv run python -m tests.docs.reference README.md"


def test_usage_errors_exit_2_without_traceback():
    result = run_cli("playbook", "frobnicate")
    assert_clean_failure(result, 2)
    result = run_cli("--db", "not a url", "verify", home=Path("/nonexistent"))
    assert_clean_failure(result, 2)


def test_the_preview_gives_every_authored_text_one_line():
    """describe() lays the preview out in lines: a title with a newline must not add one of its own."""
    from warroom.config import Config
    from warroom.playbooks.schema import Playbook
    from warroom.services.library import describe

    playbook = Playbook.model_validate({
        "id": "p", "title": "Title\nforged title", "summary": "first\nforged summary",
        "steps": [{"id": "s", "title": "Assess\nforged step"}], "decisions": [{"id": "d", "question": "Go?\rforged question"}],
        "drill": {"injects": [{"at": "1m", "message": "Press\nforged inject"}]},
    })
    lines = describe(playbook, Config(), actors.resolve(Config(), "alice", {})).split("\n")
    assert not [text for text in lines if text.startswith("forged")]
    assert "  ┆ forged summary" in lines  # the summary keeps its lines, marked as its own
