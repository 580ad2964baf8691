"""The playbook format: one failure scenario, its steps, escalation ladder, fallbacks, decisions, injects.

Pure models, no I/O. The JSON Schema (`warroom schema playbook`), the README reference and
`warroom playbook new` all come from these classes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from warroom.config import Role
from warroom.fields import Duration, Model, Slug
from warroom.i18n import _
from warroom.obligations import Obligation

FaultMode = Literal["up", "degraded", "down", "hang", "flap", "minor", "major"]


class Trigger(Model):
    supplier: Slug
    """The supplier whose state suggests this playbook."""
    state: Literal["down", "degraded"] = "down"
    """The state that must hold (down also matches "down via" a parent)."""
    for_: Duration = Field("5m", alias="for")  # type: ignore[assignment]
    """How long it must hold before the monitor suggests the playbook."""


class Targets(Model):
    acknowledge_within: Duration | None = None
    """First escalation level acknowledged within this time of opening."""
    fallback_within: Duration | None = None
    """A fallback activated within this time of opening."""
    stabilise_within: Duration | None = None
    """Incident stabilised within this time of opening."""
    resolve_within: Duration | None = None
    """Incident resolved within this time of opening."""


class Step(Model):
    id: Slug
    """Id used by `warroom step INCIDENT STEP …`; unique within the playbook."""
    title: str
    """What to do, as one line."""
    role: Role | None = None
    """Who should do it."""
    due: Duration | None = None
    """Due this long after the incident opens; late steps raise step.overdue."""
    details: str = ""
    """How to do it: numbers to call, systems to check."""


class EscalationLevel(Model):
    after: Duration
    """Fires this long after the incident opens; levels are numbered from 1 in this order."""
    notify: list[Slug] = Field(min_length=1)
    """Targets from warroom.toml [notify] to alert."""
    message: str = ""
    """What to tell them."""


class Decision(Model):
    id: Slug
    """Id that a logged decision names (`warroom log … --decision ID`)."""
    question: str
    """The question the team must answer."""
    by: Duration | None = None
    """Due this long after the incident opens; late decisions raise decision.overdue."""
    role: Role | None = None
    """Who takes it."""


class Fault(Model):
    supplier: Slug
    """The simulated supplier to break."""
    mode: FaultMode
    """What the simulator makes it do."""


class Inject(Model):
    at: Duration
    """Fires this long after the drill opens."""
    message: str = ""
    """A scenario development to tell the team."""
    fault: Fault | None = None
    """A simulated supplier to break (drills only)."""
    expect: Slug | None = None
    """The step or decision the team should answer it with; the review measures how fast."""

    @model_validator(mode="after")
    def _says_or_does(self) -> Inject:
        if not self.message and self.fault is None:
            raise ValueError(_("an inject needs a message, a fault, or both"))
        return self


class Drill(Model):
    injects: list[Inject] = []
    """Scenario developments fired during a drill."""


class Playbook(Model):
    id: Slug
    """Id used by `warroom incident start`; unique across the home's playbooks."""
    title: str
    """The scenario in one line."""
    version: int = Field(1, ge=1, le=2**31 - 1)
    """Raise it when the playbook changes; incidents record the version they ran."""
    severity: Literal["low", "medium", "high", "critical"] = "high"
    """How bad the scenario is."""
    summary: str = ""
    """What is going on and what is at stake."""
    fallbacks: list[Slug] = []
    """Entries of the fallback register (warroom.toml) this scenario may use."""
    trigger: Trigger | None = None
    """When the monitor suggests this playbook; none for scenarios no probe can see."""
    targets: Targets = Targets()
    """Times measured in the after-action review."""
    steps: list[Step] = Field(min_length=1)
    """The checklist."""
    escalation: list[EscalationLevel] = []
    """The escalation ladder."""
    decisions: list[Decision] = []
    """Decisions the team is expected to take."""
    drill: Drill = Drill()
    """What happens when the playbook runs as a drill."""
    reporting: list[Obligation] = []
    """Legal reporting obligations of this scenario, beside the home's [[reporting]] (same id: this one wins)."""

    def ladder(self) -> list[EscalationLevel]:
        """The levels in firing order; level N is ladder()[N - 1]."""
        return sorted(self.escalation, key=lambda level: level.after)
