"""The defaults of warroom.toml that a plain reading needs as well as the models: config.py's
settings and suppliers, and the board's first look (services/glance.py, which reads warroom.toml
before pydantic is imported). Imports nothing of ours."""

from __future__ import annotations

from typing import Literal, get_args

TIMEZONE = "Europe/Amsterdam"  # [settings] timezone
INTERVAL = "30s"  # [settings] interval
Criticality = Literal["vital", "important", "normal"]  # [[suppliers]] criticality
CRITICALITIES: tuple[str, ...] = get_args(Criticality)
CRITICALITY: Criticality = "normal"
