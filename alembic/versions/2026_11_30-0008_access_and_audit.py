"""Least privilege and audit: token revocations, request ids on the event log, per-user idempotency
keys that expire, and the caller history that flags repeat and hoax callers.

- `revocations` is append-only like the event log; every worker caches it (LISTEN `dial112_revocations`
  plus a poll), so the decision lives in the database and reaches every worker and host.
- `events.request_id` defaults to the transaction's `dial112.request_id` setting, which the request's
  unit of work sets: every event a request writes (in any statement, CTE or trigger) carries its id.
  `events.member_id` is there for the Samarpan member reads and writes the audit must show.
- Idempotency keys belong to the user who sent them (`owner`: role and subject), so another user's key
  never returns the first user's incident.
- `caller_key()` is the one definition of "the same caller number" (its last ten digits), indexed.
- Assignments withdrawn for silence are indexed by time, for telling a mass lapse (a system fault).

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op
from app.database import split_sql

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE revocations (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_revocations PRIMARY KEY,
    jti text,
    unit_id bigint CONSTRAINT fk_revocations_unit REFERENCES units(id),
    subject text,
    revoked_at timestamptz NOT NULL,
    revoked_by text NOT NULL,
    reason text,
    CONSTRAINT ck_revocations_one_target CHECK (num_nonnulls(jti, unit_id, subject) = 1)
);
CREATE TRIGGER revocations_append_only BEFORE UPDATE OR DELETE ON revocations
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
-- Only a wake-up for the workers' caches (delivered at commit); they read the rows themselves.
CREATE FUNCTION notify_revocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dial112_revocations', '');
    RETURN NULL;
END $$;
CREATE TRIGGER revocations_notify AFTER INSERT ON revocations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_revocations();

-- No default at ADD time (no table rewrite); new rows take the request's id from the transaction.
ALTER TABLE events ADD COLUMN request_id text;
ALTER TABLE events ALTER COLUMN request_id SET DEFAULT nullif(current_setting('dial112.request_id', true), '');
ALTER TABLE events ADD COLUMN member_id bigint;
-- The audit reads newest first, by time; member and system-alert look-ups touch few rows.
CREATE INDEX ix_events_at ON events (at DESC, id DESC);
CREATE INDEX ix_events_member ON events (member_id, id) WHERE member_id IS NOT NULL;
CREATE INDEX ix_events_system ON events (id) WHERE kind LIKE 'system.%';

ALTER TABLE idempotency_keys ADD COLUMN owner text;
UPDATE idempotency_keys SET owner = split_part(created_by, '#', 1);
ALTER TABLE idempotency_keys ALTER COLUMN owner SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT pk_idempotency_keys;
ALTER TABLE idempotency_keys ADD CONSTRAINT pk_idempotency_keys PRIMARY KEY (owner, key);

CREATE FUNCTION caller_key(number text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT right(regexp_replace(number, '[^0-9]', '', 'g'), 10)
$$;
CREATE INDEX ix_calls_caller_key ON calls (caller_key(caller_number), received_at)
    WHERE caller_number IS NOT NULL;
ALTER TABLE incidents ADD COLUMN caller_history jsonb;

-- Mass-lapse detection counts the units withdrawn for silence in the last minutes.
CREATE INDEX ix_assignments_lapsed_at ON assignments (cleared_at) WHERE end_reason = 'unacknowledged';
"""

DOWNGRADE = """
DROP INDEX ix_assignments_lapsed_at;
ALTER TABLE incidents DROP COLUMN caller_history;
DROP INDEX ix_calls_caller_key;
DROP FUNCTION caller_key(text);
DELETE FROM idempotency_keys a USING idempotency_keys b
    WHERE a.key = b.key AND (a.created_at, a.owner) < (b.created_at, b.owner);
ALTER TABLE idempotency_keys DROP CONSTRAINT pk_idempotency_keys;
ALTER TABLE idempotency_keys ADD CONSTRAINT pk_idempotency_keys PRIMARY KEY (key);
ALTER TABLE idempotency_keys DROP COLUMN owner;
DROP INDEX ix_events_system;
DROP INDEX ix_events_member;
DROP INDEX ix_events_at;
ALTER TABLE events DROP COLUMN member_id;
ALTER TABLE events DROP COLUMN request_id;
DROP TRIGGER revocations_notify ON revocations;
DROP FUNCTION notify_revocations();
DROP TABLE revocations;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
