"""The demo's warroom.toml is the example edited in place: an administrator reads the same comments."""

from __future__ import annotations

import tomllib

from warroom.config import Config
from warroom.demo import demo_config
from warroom.home import example_config


def test_the_demo_config_keeps_the_examples_comments_and_points_every_check_at_the_simulator() -> None:
    example = example_config().read_text(encoding="utf-8")
    demo = demo_config(47999, interval="2s", commander="someone")
    comments = [line for line in example.splitlines() if line.startswith("#")]
    assert comments and all(line in demo for line in comments)
    data = tomllib.loads(demo)
    Config.model_validate(data)
    assert data["settings"]["simulator"] == "http://127.0.0.1:47999" and data["settings"]["interval"] == "2s"
    assert data["people"]["someone"]["role"] == "commander"
    urls = [check["url"] for supplier in data["suppliers"] for check in supplier["checks"]]
    assert urls and all(url.startswith("http://127.0.0.1:47999/s/") for url in urls)
    assert not any("maintenance" in supplier for supplier in data["suppliers"])
