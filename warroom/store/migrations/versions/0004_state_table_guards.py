"""State tables refuse the changes no service makes.

The rows of incident, incident_step, escalation, fallback_activation and supplier_state derive from
the event log (store/derive.py), and `verify` compares them with it. These triggers stop what no
service ever does before it is done: deleting a row, changing what never changes after it is
written, moving a status against its path, setting a once-only stamp twice, and creating rows in a
shape or at a moment no service creates them. A row a service could have written is the verify
comparison's to judge; someone who can drop these triggers can change anything, and verify is
what shows it.

The rules are written once, in SQL that SQLite and PostgreSQL both read (`IS DISTINCT FROM` is
spelled `IS NOT` for SQLite, which learnt it late); this file keeps its own copy, as migrations do.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_STEP_PATH = "'pending>started', 'pending>done', 'pending>skipped', 'started>done', 'started>skipped'"
_INCIDENT_PATH = "'open>stabilised', 'open>resolved', 'stabilised>resolved', 'resolved>closed'"


def _changed(*columns: str) -> str:
    return "(" + " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns) + ")"


def _stamp(status: str) -> str:
    """An incident's stamp for `status` is set once, in the update that moves it there."""
    column = f"{status}_at"
    return (f"(NEW.{column} IS DISTINCT FROM OLD.{column} AND NOT (OLD.{column} IS NULL AND NEW.status = '{status}' "
            f"AND OLD.status IS DISTINCT FROM '{status}'))"
            f" OR (NEW.status = '{status}' AND OLD.status IS DISTINCT FROM '{status}' AND NEW.{column} IS NULL)")


_INCIDENT_STATUS = "(SELECT status FROM incident WHERE id = NEW.incident_id)"
_AFTER_OPENING = "EXISTS (SELECT 1 FROM event WHERE incident_id = NEW.incident_id AND kind IS DISTINCT FROM 'incident.opened')"

# (trigger, table, operation, condition that refuses (None: always), message)
RULES = [
    ("incident_created_open", "incident", "INSERT",
     "NEW.status IS DISTINCT FROM 'open' OR NEW.stabilised_at IS NOT NULL OR NEW.resolved_at IS NOT NULL OR NEW.closed_at IS NOT NULL",
     "incident: an incident is created open, with no later stamps"),
    ("incident_fixed", "incident", "UPDATE",
     _changed("id", "playbook_id", "playbook_version", "playbook", "mode", "title", "opened_by", "opened_at"),
     "incident: its playbook, snapshot, mode, title, opener and opening time never change"),
    ("incident_status_path", "incident", "UPDATE",
     f"NEW.status IS DISTINCT FROM OLD.status AND coalesce(OLD.status || '>' || NEW.status, '') NOT IN ({_INCIDENT_PATH})",
     "incident: status moves only open > stabilised > resolved > closed (or open > resolved)"),
    ("incident_stamps", "incident", "UPDATE",
     " OR ".join(f"({_stamp(s)})" for s in ("stabilised", "resolved", "closed")),
     "incident: stabilised_at, resolved_at and closed_at are each set once, when the status moves there"),
    ("incident_no_delete", "incident", "DELETE", None, "incident: incidents are never deleted"),

    ("step_created_pending", "incident_step", "INSERT",
     "NEW.status IS DISTINCT FROM 'pending' OR NEW.changed_at IS NOT NULL OR NEW.changed_by IS NOT NULL OR NEW.note IS NOT NULL",
     "incident_step: a step is created pending, untouched"),
    ("step_created_in_time", "incident_step", "INSERT",
     f"coalesce({_INCIDENT_STATUS}, 'closed') = 'closed'"
     f" OR (NEW.source = 'playbook' AND {_AFTER_OPENING})"
     " OR (NEW.source IS DISTINCT FROM 'playbook' AND NOT EXISTS (SELECT 1 FROM fallback_activation WHERE incident_id = NEW.incident_id"
     " AND 'fallback:' || fallback_id = NEW.source AND deactivated_at IS NULL))",
     "incident_step: playbook steps are created with their incident, a fallback's steps when it is activated"),
    ("step_fixed", "incident_step", "UPDATE",
     _changed("incident_id", "step_id", "position", "title", "source", "due_at"),
     "incident_step: a step's incident, id, position, title, source and due time never change"),
    ("step_status_path", "incident_step", "UPDATE",
     f"NEW.status IS DISTINCT FROM OLD.status AND coalesce(OLD.status || '>' || NEW.status, '') NOT IN ({_STEP_PATH})",
     "incident_step: status moves only pending > started > done or skipped"),
    ("step_changed_with_status", "incident_step", "UPDATE",
     f"(NEW.status IS NOT DISTINCT FROM OLD.status AND {_changed('changed_at', 'changed_by', 'note')})"
     " OR (NEW.status IS DISTINCT FROM OLD.status AND (NEW.changed_at IS NULL OR NEW.changed_by IS NULL OR NEW.changed_at < OLD.changed_at"
     " OR (NEW.note IS NULL AND OLD.note IS NOT NULL)))"
     f" OR {_INCIDENT_STATUS} = 'closed'",
     "incident_step: who changed a step, when and the note change only with its status, never in a closed incident"),
    ("step_no_delete", "incident_step", "DELETE", None, "incident_step: steps are never deleted"),

    ("escalation_created_pending", "escalation", "INSERT",
     f"NEW.fired_at IS NOT NULL OR NEW.late_seconds IS NOT NULL OR NEW.acked_at IS NOT NULL OR NEW.acked_by IS NOT NULL OR NEW.cancelled IS TRUE"
     f" OR coalesce({_INCIDENT_STATUS}, '') IS DISTINCT FROM 'open' OR {_AFTER_OPENING}",
     "escalation: a ladder is created pending, with its incident"),
    ("escalation_fixed", "escalation", "UPDATE",
     _changed("incident_id", "level", "notify", "message", "due_at"),
     "escalation: a level's incident, number, targets, message and due time never change"),
    ("escalation_fires_once", "escalation", "UPDATE",
     f"{_changed('fired_at', 'late_seconds')} AND NOT (OLD.fired_at IS NULL AND NEW.fired_at IS NOT NULL AND NEW.late_seconds IS NOT NULL"
     " AND OLD.cancelled IS FALSE AND NEW.cancelled IS FALSE)",
     "escalation: a level fires once (fired_at with late_seconds), never after it was cancelled"),
    ("escalation_acked_once", "escalation", "UPDATE",
     f"{_changed('acked_at', 'acked_by')} AND NOT (OLD.acked_at IS NULL AND OLD.acked_by IS NULL AND NEW.acked_at IS NOT NULL"
     " AND NEW.acked_by IS NOT NULL AND NEW.fired_at IS NOT NULL AND NEW.cancelled IS FALSE)",
     "escalation: a level is acknowledged once, after it fired"),
    ("escalation_cancelled_once", "escalation", "UPDATE",
     "NEW.cancelled IS DISTINCT FROM OLD.cancelled AND NOT (OLD.cancelled IS FALSE AND NEW.cancelled IS TRUE AND NEW.fired_at IS NULL)",
     "escalation: only a level that has not fired is cancelled, and never uncancelled"),
    ("escalation_no_delete", "escalation", "DELETE", None, "escalation: levels are never deleted"),

    ("activation_created_active", "fallback_activation", "INSERT",
     "NEW.deactivated_at IS NOT NULL OR NEW.deactivated_by IS NOT NULL OR NEW.result IS NOT NULL"
     f" OR coalesce({_INCIDENT_STATUS}, 'closed') = 'closed'"
     " OR NEW.mode IS DISTINCT FROM (SELECT mode FROM incident WHERE id = NEW.incident_id)"
     " OR EXISTS (SELECT 1 FROM fallback_activation WHERE fallback_id = NEW.fallback_id AND deactivated_at IS NULL)",
     "fallback_activation: a fallback is activated in an incident not closed, in its mode, when it is not active already"),
    ("activation_fixed", "fallback_activation", "UPDATE",
     _changed("id", "fallback_id", "supplier_id", "incident_id", "mode", "reason", "activated_at", "activated_by"),
     "fallback_activation: what was activated, where, by whom, when and why never change"),
    ("activation_stood_down_once", "fallback_activation", "UPDATE",
     f"{_changed('deactivated_at', 'deactivated_by', 'result')} AND NOT (OLD.deactivated_at IS NULL AND NEW.deactivated_at IS NOT NULL"
     " AND NEW.deactivated_by IS NOT NULL AND (NEW.result IS NULL OR NEW.result IN ('worked', 'partial', 'failed')))",
     "fallback_activation: an activation is stood down once, its result said then"),
    ("activation_no_delete", "fallback_activation", "DELETE", None, "fallback_activation: activations are never deleted"),

    ("supplier_state_fixed", "supplier_state", "UPDATE", _changed("supplier_id"), "supplier_state: a row's supplier never changes"),
    ("supplier_state_since", "supplier_state", "UPDATE",
     "(NEW.state IS NOT DISTINCT FROM OLD.state AND NEW.since IS DISTINCT FROM OLD.since)"
     " OR (NEW.state IS DISTINCT FROM OLD.state AND (NEW.since IS NULL OR NEW.since < OLD.since))",
     "supplier_state: since changes with the confirmed state, and never goes back"),
    ("supplier_state_no_delete", "supplier_state", "DELETE", None, "supplier_state: supplier states are never deleted"),
]


def _sqlite(condition: str) -> str:
    return condition.replace("IS NOT DISTINCT FROM", "IS").replace("IS DISTINCT FROM", "IS NOT")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, operation, condition, message in RULES:
        message = message.replace("'", "''")
        if postgres:
            test = f"IF {condition} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW;" if condition else f"RAISE EXCEPTION '{message}';"
            op.execute(f"CREATE FUNCTION warroom_{name}() RETURNS trigger AS $$ BEGIN {test} END $$ LANGUAGE plpgsql")
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION warroom_{name}()")
        else:
            when = f" WHEN {_sqlite(condition)}" if condition else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW{when} BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _operation, _condition, _message in RULES:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
        if postgres:
            op.execute(f"DROP FUNCTION warroom_{name}()")
