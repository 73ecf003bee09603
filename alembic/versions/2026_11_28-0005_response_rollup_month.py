"""Response rollup, second tier: a histogram of whole minutes of response per IST month.

The day tier of 0004 (per IST day, district, category, area type, priority, unit type and whole second)
barely compresses over two years — 1.69 M rows for 1.69 M arrivals — so a whole-period report has to
aggregate every row of it. This tier drops the day for the IST month and the second for the whole minute
(⌊second / 60⌋): about 380 k rows for the same two years. A report reads it to get counts, sums and
the minute each percentile rank falls in, then reads from the day tier's key index only the seconds of
those few minutes (app/repositories/analytics.py). Counts and sums stay exact; percentiles stay exact to
the second.

Its own trigger function keeps it exactly equal to the incidents in the same transaction, on the same
events as the day tier's (0004's function is left as it is).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op
from app.database import split_sql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# One expression per rollup column, shared by the trigger (for OLD and NEW) and the back-fill. The minute
# is a floor division of the whole second (the same ⌊second / 60⌋ the reports use, negative ones too).
KEY = """(date_trunc('month', {r}.received_at AT TIME ZONE 'Asia/Kolkata')::date, {r}.district, {r}.category,
          {r}.area_type, {r}.priority, {r}.first_unit_type,
          floor(floor({r}.response_seconds)::integer / 60.0)::integer)"""
MATCH = """month = date_trunc('month', {r}.received_at AT TIME ZONE 'Asia/Kolkata')::date
      AND district = {r}.district AND category IS NOT DISTINCT FROM {r}.category
      AND area_type = {r}.area_type AND priority = {r}.priority
      AND unit_type IS NOT DISTINCT FROM {r}.first_unit_type
      AND minute = floor(floor({r}.response_seconds)::integer / 60.0)::integer"""

UPGRADE = f"""
CREATE TABLE response_rollup_month (
    month date NOT NULL,
    district text NOT NULL,
    category text,
    area_type text NOT NULL,
    priority smallint NOT NULL,
    unit_type text,
    minute integer NOT NULL,
    n integer NOT NULL CONSTRAINT ck_response_rollup_month_n CHECK (n > 0),
    n_within integer NOT NULL,
    sum_us bigint NOT NULL
);
CREATE UNIQUE INDEX uq_response_rollup_month_key ON response_rollup_month
    (month, district, category, area_type, priority, unit_type, minute) NULLS NOT DISTINCT;

CREATE FUNCTION maintain_response_rollup_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.response_seconds IS NOT NULL THEN
        UPDATE response_rollup_month SET n = n - 1,
               n_within = n_within - (OLD.within_target IS TRUE)::integer,
               sum_us = sum_us - round(OLD.response_seconds * 1000000)::bigint
        WHERE {MATCH.format(r="OLD")} AND n > 1;
        IF NOT FOUND THEN
            DELETE FROM response_rollup_month WHERE {MATCH.format(r="OLD")};
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.response_seconds IS NOT NULL THEN
        INSERT INTO response_rollup_month AS r
            (month, district, category, area_type, priority, unit_type, minute, n, n_within, sum_us)
        VALUES ({KEY.format(r="NEW")[1:-1]}, 1, (NEW.within_target IS TRUE)::integer,
                round(NEW.response_seconds * 1000000)::bigint)
        ON CONFLICT (month, district, category, area_type, priority, unit_type, minute)
        DO UPDATE SET n = r.n + 1, n_within = r.n_within + EXCLUDED.n_within,
                      sum_us = r.sum_us + EXCLUDED.sum_us;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER incidents_response_rollup_month_insert AFTER INSERT ON incidents
    FOR EACH ROW WHEN (NEW.response_seconds IS NOT NULL) EXECUTE FUNCTION maintain_response_rollup_month();
CREATE TRIGGER incidents_response_rollup_month_delete AFTER DELETE ON incidents
    FOR EACH ROW WHEN (OLD.response_seconds IS NOT NULL) EXECUTE FUNCTION maintain_response_rollup_month();
CREATE TRIGGER incidents_response_rollup_month_update AFTER UPDATE ON incidents
    FOR EACH ROW WHEN (
        (OLD.response_seconds, OLD.within_target, OLD.received_at, OLD.district, OLD.category, OLD.area_type,
         OLD.priority, OLD.first_unit_type)
        IS DISTINCT FROM
        (NEW.response_seconds, NEW.within_target, NEW.received_at, NEW.district, NEW.category, NEW.area_type,
         NEW.priority, NEW.first_unit_type))
    EXECUTE FUNCTION maintain_response_rollup_month();

INSERT INTO response_rollup_month
    (month, district, category, area_type, priority, unit_type, minute, n, n_within, sum_us)
SELECT {KEY.format(r="i")[1:-1]}, count(*), count(*) FILTER (WHERE i.within_target),
       sum(round(i.response_seconds * 1000000)::bigint)
FROM incidents i WHERE i.response_seconds IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;
"""

DOWNGRADE = """
DROP TRIGGER incidents_response_rollup_month_update ON incidents;
DROP TRIGGER incidents_response_rollup_month_delete ON incidents;
DROP TRIGGER incidents_response_rollup_month_insert ON incidents;
DROP FUNCTION maintain_response_rollup_month();
DROP TABLE response_rollup_month;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
