"""Field types shared by warroom.toml and the playbooks: ids, durations, aware datetimes.

Each raises an error whose text is shown to the author as it is, so it says what to write instead."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic import BaseModel as _BaseModel
from pydantic_core import PydanticCustomError

from warroom import durations, i18n
from warroom.i18n import _

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)


class Model(_BaseModel):
    """Base of every file-format model: unknown keys are errors, since a typo must not drop a step."""

    # Defaults are written as authors write them ("30s") and validated like their input, so the
    # JSON Schema and the reference show `30s` rather than an ISO 8601 "PT30S" nobody types.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True)


MAX_ID = 64
"""Characters of an id at most: ids name files (playbooks/ID.toml) and appear in every event."""


def slug_problem(value: str) -> str | None:
    """Why `value` is no id, or None when it is one."""
    if len(value) > MAX_ID:
        return _("{start}… ({length} characters) is too long for an id: at most {most} characters").format(
            start=repr(value[:40]), length=i18n.number(len(value)), most=MAX_ID)
    if not _SLUG.match(value):
        return _("{value} is not an id: use lower-case letters, digits and single hyphens, like cloud-hosting-outage").format(value=repr(value))
    return None


def _slug(value: str) -> str:
    problem = slug_problem(value)
    if problem:
        raise PydanticCustomError("slug", "{problem}", {"problem": problem})
    return value


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return durations.parse(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise PydanticCustomError("duration", str(exc)) from None


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise PydanticCustomError("positive", _("must be longer than 0s, like 30s"))
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("aware", _("needs a UTC offset, like 2026-12-06T22:00:00+01:00"))
    return value


Slug = Annotated[str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_ID})]
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(durations.format, return_type=str),
    WithJsonSchema({"type": "string", "pattern": durations.PATTERN, "examples": ["30s", "10m", "2h", "1d"]}),
]
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
"""A timeout or an interval: zero would never wait, or never stop."""
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
