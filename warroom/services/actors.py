"""Who is acting: the OS user, mapped through [people] to a name and a role (DESIGN §2).

Enforced here, in the services, so the CLI and the TUI cannot disagree: observers read everything
and change nothing; with [people] empty every user may act (a one-person set-up); otherwise users
[people] does not name are observers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warroom import identity
from warroom.errors import BadInput
from warroom.i18n import _

if TYPE_CHECKING:
    from collections.abc import Mapping

    from warroom.config import Config


@dataclass(frozen=True)
class Actor:
    user: str
    name: str
    role: str
    origin: dict[str, Any] = field(default_factory=dict)

    @property
    def can_act(self) -> bool:
        return self.role != "observer"

    def require(self, doing: str) -> None:
        if not self.can_act:
            # TRANSLATORS: {doing} is a phrase like "start an incident", translated on its own.
            raise BadInput(_("observer cannot {doing}: {user} is an observer in this war-room (ask the commander for a role in [people])").format(
                doing=doing, user=self.user))


def resolve(config: Config, user: str, origin: dict[str, Any] | None = None) -> Actor:
    return among({name: (person.name, person.role) for name, person in config.people.items()}, user, origin)


def among(people: Mapping[str, tuple[str, str]], user: str, origin: dict[str, Any] | None = None) -> Actor:
    """`user` as [people] (OS user → name and role) makes them."""
    origin = origin if origin is not None else identity.origin()
    if not people:
        return Actor(user, user, "commander", origin)
    person = people.get(user)
    if person is None:
        return Actor(user, user, "observer", origin)
    return Actor(user, person[0], person[1], origin)


def current(config: Config) -> Actor:
    """The person at this terminal."""
    return resolve(config, identity.os_user())
