"""Risk markers move off the incident row, so a background sweep never locks an incident.

The risk check used to stamp incidents.at_risk_at / breached_at under a row lock; a freed unit looking
for the head of the queue (FOR UPDATE SKIP LOCKED) skipped a row that the sweep held, and took a
less urgent incident. The markers are now rows of their own (one per incident and kind, so exactly one
worker writes each event), with no foreign key (whose KEY SHARE lock would reach the incident row).

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30
"""

from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE incident_marks (
            incident_id bigint NOT NULL,
            kind text NOT NULL CONSTRAINT ck_incident_marks_kind CHECK (kind IN ('at_risk', 'breached')),
            at timestamptz NOT NULL,
            CONSTRAINT pk_incident_marks PRIMARY KEY (incident_id, kind)
        )
        """
    )
    op.execute(
        """
        INSERT INTO incident_marks (incident_id, kind, at)
        SELECT id, 'at_risk', at_risk_at FROM incidents WHERE at_risk_at IS NOT NULL
        UNION ALL
        SELECT id, 'breached', breached_at FROM incidents WHERE breached_at IS NOT NULL
        """
    )
    op.execute("ALTER TABLE incidents DROP COLUMN at_risk_at, DROP COLUMN breached_at")


def downgrade() -> None:
    op.execute("ALTER TABLE incidents ADD COLUMN at_risk_at timestamptz, ADD COLUMN breached_at timestamptz")
    op.execute(
        """
        UPDATE incidents i SET at_risk_at = m.at FROM incident_marks m
        WHERE m.incident_id = i.id AND m.kind = 'at_risk'
        """
    )
    op.execute(
        """
        UPDATE incidents i SET breached_at = m.at FROM incident_marks m
        WHERE m.incident_id = i.id AND m.kind = 'breached'
        """
    )
    op.execute("DROP TABLE incident_marks")
