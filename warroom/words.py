"""The stored words of the war-room as people read them: a supplier's state, an incident's status,
a mode, a step's, a level's, a fallback's, an inject's and a reporting clock's state, a log entry's
kind, the review's measures, results, observations and actions, a playbook's severity and a
supplier's criticality. Events, JSON, CSV and scripts keep the English value; a screen or a report shows `shown(...)`.

Every word is marked here with its context, once, so the catalogue has one Dutch word for it
(warroom/locale/GLOSSARY.md); a value not listed is shown as stored."""

from __future__ import annotations

from warroom.i18n import C_, word

SUPPLIER_STATE = "supplier state"
INCIDENT_STATUS = "incident status"
MODE = "mode"
STEP_STATUS = "step status"
LEVEL_STATE = "escalation level"
FALLBACK_RESULT = "fallback result"
INJECT_STATE = "inject state"
CLOCK_STATE = "reporting clock"
LOG_KIND = "log kind"
REVIEW_MEASURE = "review measure"
REVIEW_RESULT = "review result"  # a target's result and a step's, in the review
OBSERVATION_KIND = "observation kind"
ACTION_STATUS = "action status"
SEVERITY = "playbook severity"
CRITICALITY = "supplier criticality"

# The contexts are spelled out: the catalogue reads them from the source, not from the constants above.
MARKED = (
    C_("supplier state", "up"), C_("supplier state", "degraded"), C_("supplier state", "down"),
    C_("supplier state", "maintenance"), C_("supplier state", "unknown"), C_("supplier state", "exercised"),
    C_("incident status", "open"), C_("incident status", "stabilised"), C_("incident status", "resolved"),
    C_("incident status", "closed"),
    C_("mode", "live"), C_("mode", "drill"),
    C_("step status", "pending"), C_("step status", "started"), C_("step status", "done"), C_("step status", "skipped"),
    C_("escalation level", "pending"), C_("escalation level", "fired"), C_("escalation level", "acknowledged"), C_("escalation level", "cancelled"),
    C_("fallback result", "worked"), C_("fallback result", "partial"), C_("fallback result", "failed"),
    C_("inject state", "upcoming"), C_("inject state", "held"), C_("inject state", "fired"), C_("inject state", "skipped"),
    C_("reporting clock", "waiting"), C_("reporting clock", "pending"), C_("reporting clock", "overdue"), C_("reporting clock", "sent"),
    C_("log kind", "decision"), C_("log kind", "observation"), C_("log kind", "action"), C_("log kind", "communication"),
    C_("review measure", "open"), C_("review measure", "acknowledge"), C_("review measure", "fallback"),
    C_("review measure", "stabilise"), C_("review measure", "resolve"),
    C_("review result", "met"), C_("review result", "missed"), C_("review result", "not reached"), C_("review result", "pending"),
    C_("review result", "no target"), C_("review result", "not measured"), C_("review result", "on time"), C_("review result", "late"),
    C_("review result", "done"), C_("review result", "skipped"), C_("review result", "started"), C_("review result", "untouched"),
    C_("observation kind", "strength"), C_("observation kind", "improvement"),
    C_("action status", "open"), C_("action status", "in-progress"), C_("action status", "done"),
    C_("playbook severity", "low"), C_("playbook severity", "medium"), C_("playbook severity", "high"), C_("playbook severity", "critical"),
    C_("supplier criticality", "vital"), C_("supplier criticality", "important"), C_("supplier criticality", "normal"),
)


def shown(value: str, context: str) -> str:
    """`value` (a stored word) as shown in the chosen language, in its context."""
    return word(str(value), context)
