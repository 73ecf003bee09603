"""Real-time feed (published sequence on the event log, NOTIFY wake-ups) and acknowledgement lapses.

Event ids come from an identity sequence, so a transaction that commits late can leave an id lower
than one already read. A single publisher (any worker, under an advisory lock held to commit) gives
`seq` numbers to committed events: `seq` is the order in which events became readable, and a client
that resumes after seq N misses nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op
from app.database import split_sql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE events ADD COLUMN seq bigint;
CREATE UNIQUE INDEX uq_events_seq ON events (seq) WHERE seq IS NOT NULL;
CREATE INDEX ix_events_unpublished ON events (id) WHERE seq IS NULL;
CREATE INDEX ix_events_unit_seq ON events (unit_id, seq) WHERE unit_id IS NOT NULL AND seq IS NOT NULL;

-- Append-only, except that the publisher may give an event its seq once.
CREATE OR REPLACE FUNCTION forbid_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(NEW) - 'seq') = (to_jsonb(OLD) - 'seq') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'events is append-only' USING ERRCODE = 'restrict_violation';
END $$;
DROP TRIGGER events_append_only ON events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_event_change();

-- Wake the publisher when events are written (delivered at commit; only a wake-up, never the data).
CREATE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dial112_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events();

ALTER TABLE units ADD COLUMN silent_since timestamptz;
ALTER TABLE units ADD COLUMN missed_acks integer NOT NULL DEFAULT 0;
"""

DOWNGRADE = """
ALTER TABLE units DROP COLUMN missed_acks;
ALTER TABLE units DROP COLUMN silent_since;
DROP TRIGGER events_notify ON events;
DROP FUNCTION notify_events();
DROP TRIGGER events_append_only ON events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
DROP FUNCTION forbid_event_change();
DROP INDEX ix_events_unit_seq;
DROP INDEX ix_events_unpublished;
DROP INDEX uq_events_seq;
ALTER TABLE events DROP COLUMN seq;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
