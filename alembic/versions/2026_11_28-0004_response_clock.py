"""Response clock and accountability: rollup of response seconds, risk markers, HQ review of women cases.

The rollup holds, per (day in IST, district, category, area type, priority, type of the first unit on
scene, whole second of response), how many incidents arrived in that second, how many were within their
target and the exact sum of their response times in microseconds. Counts can be summed where
percentiles cannot, so any grouping of these dimensions gets percentiles exact to the second by
cumulative sums. A trigger keeps it exactly equal to the incidents in the same transaction, whatever
statement changes an incident's arrival or dimensions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op
from app.database import split_sql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# One expression per rollup column, shared by the trigger (for OLD and NEW) and the back-fill.
KEY = """(({r}.received_at AT TIME ZONE 'Asia/Kolkata')::date, {r}.district, {r}.category, {r}.area_type,
          {r}.priority, {r}.first_unit_type, floor({r}.response_seconds)::integer)"""
MATCH = """day = ({r}.received_at AT TIME ZONE 'Asia/Kolkata')::date AND district = {r}.district
      AND category IS NOT DISTINCT FROM {r}.category AND area_type = {r}.area_type
      AND priority = {r}.priority AND unit_type IS NOT DISTINCT FROM {r}.first_unit_type
      AND second = floor({r}.response_seconds)::integer"""

UPGRADE = f"""
-- The type of the unit that arrived first (set with first_on_scene_at; the response's unit_type).
ALTER TABLE incidents ADD COLUMN first_unit_type text;
-- Risk markers: set once each, by whichever worker flags the incident first (the event is written once).
ALTER TABLE incidents ADD COLUMN at_risk_at timestamptz;
ALTER TABLE incidents ADD COLUMN breached_at timestamptz;
-- An operator may mark a case serious, which puts a women case in front of HQ whatever its priority.
ALTER TABLE incidents ADD COLUMN serious boolean NOT NULL DEFAULT false;
ALTER TABLE incidents ADD COLUMN serious_at timestamptz;
ALTER TABLE incidents ADD COLUMN serious_by text;
ALTER TABLE incidents ADD COLUMN serious_reason text;

UPDATE incidents i SET first_unit_type = (
    SELECT a.unit_type FROM assignments a WHERE a.incident_id = i.id AND a.on_scene_at IS NOT NULL
    ORDER BY a.on_scene_at, a.id LIMIT 1)
WHERE i.first_on_scene_at IS NOT NULL;

-- Open incidents nobody has reached: the live risk watch reads only these.
CREATE INDEX ix_incidents_unreached ON incidents (received_at)
    WHERE first_on_scene_at IS NULL AND status IN ('queued','dispatched','on_scene');
CREATE INDEX ix_incidents_hq_review ON incidents (received_at)
    WHERE (category = 'women' AND priority = 1) OR serious;
CREATE INDEX ix_assignments_unacknowledged_lapse ON assignments (incident_id) WHERE end_reason = 'unacknowledged';

CREATE TABLE response_rollup (
    day date NOT NULL,
    district text NOT NULL,
    category text,
    area_type text NOT NULL,
    priority smallint NOT NULL,
    unit_type text,
    second integer NOT NULL,
    n integer NOT NULL CONSTRAINT ck_response_rollup_n CHECK (n > 0),
    n_within integer NOT NULL,
    sum_us bigint NOT NULL
);
-- Key order = the usual grouping then the second: a whole-period report streams through this index in
-- (district, category, area type, second) order with no sort; the counts ride along for index-only scans.
CREATE UNIQUE INDEX uq_response_rollup_key ON response_rollup
    (district, category, area_type, second, priority, unit_type, day) INCLUDE (n, n_within, sum_us)
    NULLS NOT DISTINCT;
CREATE INDEX ix_response_rollup_day ON response_rollup (day);

CREATE FUNCTION maintain_response_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.response_seconds IS NOT NULL THEN
        UPDATE response_rollup SET n = n - 1, n_within = n_within - (OLD.within_target IS TRUE)::integer,
               sum_us = sum_us - round(OLD.response_seconds * 1000000)::bigint
        WHERE {MATCH.format(r="OLD")} AND n > 1;
        IF NOT FOUND THEN
            DELETE FROM response_rollup WHERE {MATCH.format(r="OLD")};
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.response_seconds IS NOT NULL THEN
        INSERT INTO response_rollup AS r
            (day, district, category, area_type, priority, unit_type, second, n, n_within, sum_us)
        VALUES ({KEY.format(r="NEW")[1:-1]}, 1, (NEW.within_target IS TRUE)::integer,
                round(NEW.response_seconds * 1000000)::bigint)
        ON CONFLICT (district, category, area_type, second, priority, unit_type, day)
        DO UPDATE SET n = r.n + 1, n_within = r.n_within + EXCLUDED.n_within, sum_us = r.sum_us + EXCLUDED.sum_us;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER incidents_response_rollup_insert AFTER INSERT ON incidents
    FOR EACH ROW WHEN (NEW.response_seconds IS NOT NULL) EXECUTE FUNCTION maintain_response_rollup();
CREATE TRIGGER incidents_response_rollup_delete AFTER DELETE ON incidents
    FOR EACH ROW WHEN (OLD.response_seconds IS NOT NULL) EXECUTE FUNCTION maintain_response_rollup();
-- Fires only when something the rollup is keyed on actually changed (not on status or pending updates).
CREATE TRIGGER incidents_response_rollup_update AFTER UPDATE ON incidents
    FOR EACH ROW WHEN (
        (OLD.response_seconds, OLD.within_target, OLD.received_at, OLD.district, OLD.category, OLD.area_type,
         OLD.priority, OLD.first_unit_type)
        IS DISTINCT FROM
        (NEW.response_seconds, NEW.within_target, NEW.received_at, NEW.district, NEW.category, NEW.area_type,
         NEW.priority, NEW.first_unit_type))
    EXECUTE FUNCTION maintain_response_rollup();

INSERT INTO response_rollup (day, district, category, area_type, priority, unit_type, second, n, n_within, sum_us)
SELECT {KEY.format(r="i")[1:-1]}, count(*), count(*) FILTER (WHERE i.within_target),
       sum(round(i.response_seconds * 1000000)::bigint)
FROM incidents i WHERE i.response_seconds IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- State HQ's review of serious crimes against women (domain.md): one row per review, newest counts.
CREATE TABLE women_reviews (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_women_reviews PRIMARY KEY,
    incident_id bigint NOT NULL CONSTRAINT fk_women_reviews_incident REFERENCES incidents(id),
    outcome text NOT NULL CONSTRAINT ck_women_reviews_outcome
        CHECK (outcome IN ('no_lapse', 'lapse_found', 'referred_to_sit', 'follow_up')),
    notes text NOT NULL,
    reviewed_at timestamptz NOT NULL,
    reviewed_by text NOT NULL
);
CREATE INDEX ix_women_reviews_incident ON women_reviews (incident_id, reviewed_at DESC);
"""

DOWNGRADE = """
DROP TABLE women_reviews;
DROP TRIGGER incidents_response_rollup_update ON incidents;
DROP TRIGGER incidents_response_rollup_delete ON incidents;
DROP TRIGGER incidents_response_rollup_insert ON incidents;
DROP FUNCTION maintain_response_rollup();
DROP TABLE response_rollup;
DROP INDEX ix_assignments_unacknowledged_lapse;
DROP INDEX ix_incidents_hq_review;
DROP INDEX ix_incidents_unreached;
ALTER TABLE incidents DROP COLUMN serious_reason;
ALTER TABLE incidents DROP COLUMN serious_by;
ALTER TABLE incidents DROP COLUMN serious_at;
ALTER TABLE incidents DROP COLUMN serious;
ALTER TABLE incidents DROP COLUMN breached_at;
ALTER TABLE incidents DROP COLUMN at_risk_at;
ALTER TABLE incidents DROP COLUMN first_unit_type;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
