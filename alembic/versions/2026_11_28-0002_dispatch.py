"""Dispatch: pending services per incident (the queue), idempotency keys, triage review flag.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op
from app.database import split_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
-- Services of an incident still waiting for a unit; the queue is every incident with one.
ALTER TABLE incidents ADD COLUMN pending text[] NOT NULL DEFAULT '{}';
ALTER TABLE incidents ADD COLUMN needs_review boolean NOT NULL DEFAULT false;
ALTER TABLE incidents ADD COLUMN address text;
DROP INDEX ix_incidents_queue;
CREATE INDEX ix_incidents_queue ON incidents (priority, received_at, id) WHERE cardinality(pending) > 0;
CREATE INDEX ix_incidents_duplicate_of ON incidents (duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE idempotency_keys (
    key text CONSTRAINT pk_idempotency_keys PRIMARY KEY,
    request_hash text NOT NULL,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);
ALTER TABLE calls DROP CONSTRAINT uq_calls_idempotency_key;
ALTER TABLE calls DROP COLUMN request_hash;
"""

DOWNGRADE = """
ALTER TABLE calls ADD COLUMN request_hash text;
ALTER TABLE calls ADD CONSTRAINT uq_calls_idempotency_key UNIQUE (idempotency_key);
DROP TABLE idempotency_keys;
DROP INDEX ix_incidents_duplicate_of;
DROP INDEX ix_incidents_queue;
CREATE INDEX ix_incidents_queue ON incidents (priority, received_at, id) WHERE status = 'queued';
ALTER TABLE incidents DROP COLUMN address;
ALTER TABLE incidents DROP COLUMN needs_review;
ALTER TABLE incidents DROP COLUMN pending;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
