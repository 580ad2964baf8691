"""The words of the war-room's actions, said once: the services check them, the CLI offers them
as choices, the TUI as keys and answers. A StrEnum is its own spelling, so events, JSON and
scripts keep the plain words."""

from __future__ import annotations

from enum import StrEnum

from warroom import words as shown_words
from warroom.i18n import N_, _


class Mode(StrEnum):
    LIVE = "live"
    DRILL = "drill"


class Status(StrEnum):
    OPEN = "open"
    STABILISED = "stabilised"
    RESOLVED = "resolved"
    CLOSED = "closed"


ONGOING = (Status.OPEN.value, Status.STABILISED.value)  # still being worked: a resolved incident owes nothing more


LIFECYCLE = {Status.STABILISED: ({Status.OPEN}, N_("only an open incident can be stabilised")),
             Status.RESOLVED: ({Status.OPEN, Status.STABILISED}, N_("it is already resolved or closed")),
             Status.CLOSED: ({Status.RESOLVED}, N_("resolve it first"))}
"""The lifecycle's rules: the statuses an incident may come from to reach each, and what to tell
whoever asks for anything else (marked for the catalogue, said in the chosen language by
`transition_refusal`). The service enforces them; the TUI asks them before it confirms."""


def transition_refusal(current: str, to: str) -> str | None:
    """Why an incident that is `current` cannot be marked `to`, or None when it can."""
    if to not in LIFECYCLE:
        return _("an incident cannot be marked {to!r} (only {statuses})").format(to=to, statuses=", ".join(LIFECYCLE))
    allowed, hint = LIFECYCLE[Status(to)]
    if current in allowed:
        return None
    # TRANSLATORS: {status} is the incident's status word; {hint} says what to do instead.
    return _("it is {status} ({hint})").format(status=shown_words.shown(current, shown_words.INCIDENT_STATUS), hint=_(hint))


class LogKind(StrEnum):
    DECISION = "decision"
    OBSERVATION = "observation"
    ACTION = "action"
    COMMUNICATION = "communication"


class StepAction(StrEnum):
    START = "start"
    DONE = "done"
    SKIP = "skip"

    @property
    def status(self) -> str:
        """The status a step has after this action."""
        return {"start": "started", "done": "done", "skip": "skipped"}[self.value]


class FallbackResult(StrEnum):
    """How a fallback went when it was stood down: kept in the register as its exercise result."""

    WORKED = "worked"
    PARTIAL = "partial"
    FAILED = "failed"


class SimulatorMode(StrEnum):
    """What the supplier simulator makes a supplier do (DESIGN §6): the demo's break/heal key,
    `warroom simulate set` and drill faults."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    HANG = "hang"
    FLAP = "flap"
    MINOR = "minor"
    MAJOR = "major"


def words(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class ActionStatus(StrEnum):
    """Where a corrective action of the improvement plan (the after-action review) stands."""

    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"


DRILL_TAG = "[DRILL]"


def says_drill(summary: str) -> bool:
    """Whether a summary already says DRILL: the log's own drill summaries begin "[DRILL]" or
    "[DRILL #12]". Every reader that adds the tag asks this, so none says it twice."""
    return summary.startswith(("[DRILL]", "[DRILL #"))


def drill_said(summary: str) -> str:
    """A drill's summary as a reader outside warroom must see it: saying DRILL, once."""
    return summary if says_drill(summary) else f"{DRILL_TAG} {summary}"
