"""The line locator and durations: the pieces behind every `file:line: field:` message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom import durations
from warroom.tomlsource import Locator, format_path

TEXT = '''title = "x"
summary = """
a [multi-line] string
with = an equals sign
"""
list = [
  "a",
  "b",
]

[trigger]
supplier = "nlcloud"

[[suppliers]]
id = "a"

[[suppliers.checks]]
url = "http://a"

[[suppliers]]
id = "b"

[[suppliers.checks]]
url = "http://b1"

[[suppliers.checks]]
url = "http://b2"
fault = { supplier = "s", mode = "down" }

[people.alice]
role = "observer"
'''


@pytest.mark.parametrize("path,line", [
    (("title",), 1),
    (("summary",), 2),
    (("list", 1), 6),
    (("trigger", "supplier"), 12),
    (("suppliers", 0, "id"), 15),
    (("suppliers", 0, "checks", 0, "url"), 18),
    (("suppliers", 1, "id"), 21),
    (("suppliers", 1, "checks", 1, "url"), 27),
    (("suppliers", 1, "checks", 1, "fault", "mode"), 28),
    (("suppliers", 1, "checks", 1, "missing"), 26),
    (("people", "alice", "role"), 31),
    (("with",), 1),  # a key inside a multi-line string is not a key: falls back to line 1
])
def test_locator_finds_the_line_of_each_field(path, line):
    assert Locator(TEXT).line_of(path) == line


def test_field_paths_read_like_the_file():
    assert format_path(("steps", 1, "due")) == "steps[1].due"
    assert format_path(("drill", "injects", 0, "fault", "supplier")) == "drill.injects[0].fault.supplier"


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("0m", 0), ("1d2h3m4s", 93784)])
def test_durations_parse_and_format_round_trip(text, seconds):
    assert durations.parse(text) == timedelta(seconds=seconds)
    assert durations.parse(durations.format(timedelta(seconds=seconds))) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["ten minutes", "10", "10 m", "-5m", "", "5w", 10, "5m5m", "1s1h", "30m2h", "1h1h30m"])
def test_bad_durations_say_how_to_write_one(bad):
    with pytest.raises(ValueError, match=r"is not a duration \(use 30s, 10m, 2h, 1d"):
        durations.parse(bad)


def test_a_key_with_a_newline_stays_on_its_problems_line(tmp_path):
    """A quoted key is whatever the author typed: its problem must not start a line of its own."""
    from warroom.errors import InvalidFile
    from warroom.playbooks.schema import Playbook
    from warroom.tomlsource import load

    path = tmp_path / "x.toml"
    path.write_text('id = "x"\ntitle = "X"\n"x\\nok  playbooks/forged.toml" = 1\n')
    with pytest.raises(InvalidFile) as refused:
        load(path, "playbooks/x.toml", Playbook)
    assert all("\n" not in problem for problem in refused.value.problems)
    assert not any(problem.startswith("ok") for problem in "\n".join(refused.value.problems).split("\n"))
