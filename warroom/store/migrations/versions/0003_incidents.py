"""Incidents: steps, escalation ladder, fallback activations and the webhook outbox.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

T = sa.String(27)  # UTC instants, as warroom.clock.iso spells them


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("playbook_id", sa.String(), nullable=False),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("playbook", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("opened_at", T, nullable=False),
        sa.Column("stabilised_at", T, nullable=True),
        sa.Column("resolved_at", T, nullable=True),
        sa.Column("closed_at", T, nullable=True),
    )
    op.create_table(
        "incident_step",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("step_id", sa.String(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("due_at", T, nullable=True),
        sa.Column("changed_at", T, nullable=True),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_table(
        "escalation",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("notify", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("due_at", T, nullable=False),
        sa.Column("fired_at", T, nullable=True),
        sa.Column("late_seconds", sa.Float(), nullable=True),
        sa.Column("acked_at", T, nullable=True),
        sa.Column("acked_by", sa.String(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "fallback_activation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fallback_id", sa.String(), nullable=False),
        sa.Column("supplier_id", sa.String(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("activated_at", T, nullable=False),
        sa.Column("activated_by", sa.String(), nullable=False),
        sa.Column("deactivated_at", T, nullable=True),
        sa.Column("deactivated_by", sa.String(), nullable=True),
        sa.Column("result", sa.String(), nullable=True),
    )
    op.create_index("ix_fallback_activation_fallback", "fallback_activation", ["fallback_id", "activated_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False, unique=True),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", T, nullable=False),
        sa.Column("next_attempt_at", T, nullable=False),
        sa.Column("expires_at", T, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", T, nullable=True),
        sa.Column("gave_up_at", T, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
    )


def downgrade() -> None:
    for table in ("outbox", "fallback_activation", "escalation", "incident_step", "incident"):
        op.drop_table(table)
