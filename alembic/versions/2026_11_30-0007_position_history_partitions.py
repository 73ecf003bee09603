"""The GPS position history becomes a table partitioned by week of recorded_at, so it can be kept for a
fixed time (DIAL112_POSITION_RETENTION_DAYS) by dropping whole weeks, and stays fast as it grows.

The history before this migration becomes one partition (everything before the cutover: the day after
its newest fix or after today), dropped whole once it is older than the retention; the next two weeks
are one more, so that inserts work before the service has run. From then on the service creates the
weeks ahead and drops the expired ones (app/services/position_history.py).

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-30
"""

from alembic import op
from app.database import split_sql

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = """
DROP TRIGGER unit_positions_append_only ON unit_positions;
ALTER TABLE unit_positions RENAME TO unit_positions_legacy;
ALTER TABLE unit_positions_legacy RENAME CONSTRAINT fk_unit_positions_unit TO fk_unit_positions_legacy_unit;
ALTER INDEX ix_unit_positions_received_brin RENAME TO ix_unit_positions_legacy_received_brin;
ALTER INDEX ix_unit_positions_unit_time RENAME TO ix_unit_positions_legacy_unit_time;

CREATE TABLE unit_positions (
    unit_id bigint NOT NULL CONSTRAINT fk_unit_positions_unit REFERENCES units(id),
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    recorded_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    speed_kmh real,
    heading real
) PARTITION BY RANGE (recorded_at);
CREATE INDEX ix_unit_positions_unit_time ON unit_positions (unit_id, recorded_at);
CREATE INDEX ix_unit_positions_received_brin ON unit_positions USING brin (received_at);

DO $$
DECLARE
    cutover timestamptz;
BEGIN
    SELECT date_trunc('day', greatest(now(), max(recorded_at)), 'UTC') + interval '1 day'
      INTO cutover FROM unit_positions_legacy;
    EXECUTE format('ALTER TABLE unit_positions ATTACH PARTITION unit_positions_legacy '
                   'FOR VALUES FROM (MINVALUE) TO (%L)', cutover);
    -- From the cutover on: the weeks after it, so that inserts work before the service has run.
    EXECUTE format('CREATE TABLE unit_positions_p%s PARTITION OF unit_positions FOR VALUES FROM (%L) TO (%L)',
                   to_char(cutover AT TIME ZONE 'UTC', 'YYYYMMDD'), cutover, cutover + interval '14 days');
END $$;

-- Still append-only: rows leave only when their whole week is dropped at the end of the retention.
CREATE TRIGGER unit_positions_append_only BEFORE UPDATE OR DELETE ON unit_positions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
"""

DOWNGRADE = """
CREATE TABLE unit_positions_flat (
    unit_id bigint NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    recorded_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    speed_kmh real,
    heading real
);
INSERT INTO unit_positions_flat SELECT unit_id, lat, lon, recorded_at, received_at, speed_kmh, heading
    FROM unit_positions;
DROP TABLE unit_positions;
ALTER TABLE unit_positions_flat RENAME TO unit_positions;
ALTER TABLE unit_positions ADD CONSTRAINT fk_unit_positions_unit FOREIGN KEY (unit_id) REFERENCES units(id);
CREATE INDEX ix_unit_positions_received_brin ON unit_positions USING brin (received_at);
CREATE INDEX ix_unit_positions_unit_time ON unit_positions (unit_id, recorded_at);
CREATE TRIGGER unit_positions_append_only BEFORE UPDATE OR DELETE ON unit_positions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
