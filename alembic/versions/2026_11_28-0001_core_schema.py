"""Core schema: geography, targets, stations, units, calls, incidents, assignments, event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from alembic import op
from app.database import split_sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UNIT_TYPES = "'police_erv','ambulance','fire_tender','women_safety','child_protection'"
UNIT_STATUSES = "'available','dispatched','en_route','on_scene','transporting','at_hospital','out_of_service'"
SERVICES = "'police','fire','medical','women','child'"
INCIDENT_STATUSES = "'queued','dispatched','on_scene','closed','cancelled','duplicate','referred'"

UPGRADE = f"""
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

CREATE TABLE districts (
    name text CONSTRAINT pk_districts PRIMARY KEY,
    headquarters text,
    division text,
    hq_lat double precision,
    hq_lon double precision,
    geometry jsonb NOT NULL,
    min_lon double precision NOT NULL, min_lat double precision NOT NULL,
    max_lon double precision NOT NULL, max_lat double precision NOT NULL,
    properties jsonb NOT NULL DEFAULT '{{}}'
);

CREATE TABLE urban_zones (
    name text CONSTRAINT pk_urban_zones PRIMARY KEY,
    district text NOT NULL CONSTRAINT fk_urban_zones_district REFERENCES districts(name) ON UPDATE CASCADE,
    geometry jsonb NOT NULL,
    min_lon double precision NOT NULL, min_lat double precision NOT NULL,
    max_lon double precision NOT NULL, max_lat double precision NOT NULL,
    properties jsonb NOT NULL DEFAULT '{{}}'
);

-- Targets are history: a change inserts a row; the newest row for a key is in force.
CREATE TABLE response_targets (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_response_targets PRIMARY KEY,
    area_type text NOT NULL CONSTRAINT ck_response_targets_area_type CHECK (area_type IN ('urban','rural')),
    district text CONSTRAINT fk_response_targets_district REFERENCES districts(name) ON UPDATE CASCADE,
    category text CONSTRAINT ck_response_targets_category CHECK (category IN ({SERVICES})),
    minutes double precision CONSTRAINT ck_response_targets_minutes CHECK (minutes > 0),
    set_at timestamptz NOT NULL DEFAULT now(),
    set_by text NOT NULL
);
CREATE INDEX ix_response_targets_key ON response_targets (area_type, district, category, set_at DESC);

CREATE TABLE stations (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_stations PRIMARY KEY,
    name text NOT NULL CONSTRAINT uq_stations_name UNIQUE,
    district text NOT NULL CONSTRAINT fk_stations_district REFERENCES districts(name) ON UPDATE CASCADE,
    lat double precision NOT NULL,
    lon double precision NOT NULL
);

CREATE TABLE units (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_units PRIMARY KEY,
    callsign text NOT NULL CONSTRAINT uq_units_callsign UNIQUE,
    type text NOT NULL CONSTRAINT ck_units_type CHECK (type IN ({UNIT_TYPES})),
    district text NOT NULL CONSTRAINT fk_units_district REFERENCES districts(name) ON UPDATE CASCADE,
    station_id bigint CONSTRAINT fk_units_station REFERENCES stations(id),
    status text NOT NULL DEFAULT 'available' CONSTRAINT ck_units_status CHECK (status IN ({UNIT_STATUSES})),
    status_at timestamptz NOT NULL DEFAULT now(),
    lat double precision NOT NULL CONSTRAINT ck_units_lat CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CONSTRAINT ck_units_lon CHECK (lon BETWEEN -180 AND 180),
    position_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- KNN over free units: candidates come from this index, never a full scan.
CREATE INDEX ix_units_available_earth ON units USING gist (ll_to_earth(lat, lon)) WHERE status = 'available';
CREATE INDEX ix_units_district_type ON units (district, type);

CREATE TABLE unit_positions (
    unit_id bigint NOT NULL CONSTRAINT fk_unit_positions_unit REFERENCES units(id),
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    recorded_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    speed_kmh real,
    heading real
);
-- Append-only and time-ordered: BRIN stays tiny as history grows.
CREATE INDEX ix_unit_positions_received_brin ON unit_positions USING brin (received_at);
CREATE INDEX ix_unit_positions_unit_time ON unit_positions (unit_id, recorded_at);

CREATE TABLE incidents (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_incidents PRIMARY KEY,
    status text NOT NULL CONSTRAINT ck_incidents_status CHECK (status IN ({INCIDENT_STATUSES})),
    category text CONSTRAINT ck_incidents_category CHECK (category IN ({SERVICES})),
    secondary text[] NOT NULL DEFAULT '{{}}',
    priority smallint NOT NULL CONSTRAINT ck_incidents_priority CHECK (priority BETWEEN 1 AND 3),
    triage jsonb,
    district text NOT NULL CONSTRAINT fk_incidents_district REFERENCES districts(name) ON UPDATE CASCADE,
    area_type text NOT NULL CONSTRAINT ck_incidents_area_type CHECK (area_type IN ('urban','rural')),
    target_minutes double precision NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    received_at timestamptz NOT NULL,
    caller_number text,
    duplicate_of bigint CONSTRAINT fk_incidents_duplicate_of REFERENCES incidents(id),
    first_on_scene_at timestamptz,
    response_seconds double precision,
    within_target boolean,
    disposition text,
    ended_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);
CREATE INDEX ix_incidents_received ON incidents (received_at DESC);
CREATE INDEX ix_incidents_status ON incidents (status, received_at DESC);
CREATE INDEX ix_incidents_district ON incidents (district, received_at DESC);
-- The queue: highest priority first, then the oldest.
CREATE INDEX ix_incidents_queue ON incidents (priority, received_at, id) WHERE status = 'queued';
-- Duplicate look-up: open incidents near a point, recent.
CREATE INDEX ix_incidents_open_earth ON incidents USING gist (ll_to_earth(lat, lon))
    WHERE status IN ('queued','dispatched','on_scene');
CREATE INDEX ix_incidents_open_caller ON incidents (caller_number, received_at)
    WHERE status IN ('queued','dispatched','on_scene');

CREATE TABLE calls (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_calls PRIMARY KEY,
    incident_id bigint NOT NULL CONSTRAINT fk_calls_incident REFERENCES incidents(id),
    caller_number text,
    text text NOT NULL,
    channel text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    address text,
    received_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    idempotency_key text CONSTRAINT uq_calls_idempotency_key UNIQUE,
    request_hash text
);
CREATE INDEX ix_calls_incident ON calls (incident_id);

CREATE TABLE assignments (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_assignments PRIMARY KEY,
    incident_id bigint NOT NULL CONSTRAINT fk_assignments_incident REFERENCES incidents(id),
    unit_id bigint NOT NULL CONSTRAINT fk_assignments_unit REFERENCES units(id),
    unit_type text NOT NULL,
    service text NOT NULL CONSTRAINT ck_assignments_service CHECK (service IN ({SERVICES})),
    status text NOT NULL DEFAULT 'dispatched' CONSTRAINT ck_assignments_status CHECK (status IN ({UNIT_STATUSES}, 'cleared')),
    eta_seconds double precision,
    distance_km double precision,
    dispatched_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    en_route_at timestamptz,
    on_scene_at timestamptz,
    transporting_at timestamptz,
    at_hospital_at timestamptz,
    cleared_at timestamptz,
    end_reason text,
    created_by text NOT NULL
);
-- The database itself forbids a unit holding two active assignments.
CREATE UNIQUE INDEX uq_assignments_active_unit ON assignments (unit_id) WHERE cleared_at IS NULL;
CREATE INDEX ix_assignments_incident ON assignments (incident_id);
CREATE INDEX ix_assignments_unacknowledged ON assignments (dispatched_at)
    WHERE cleared_at IS NULL AND acknowledged_at IS NULL;

-- The one append-only event log: incident and unit changes, who, what, when.
-- tx lets readers deliver only events whose transaction can no longer be overtaken by an earlier id.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_events PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind text NOT NULL,
    incident_id bigint,
    unit_id bigint,
    district text,
    actor text NOT NULL,
    data jsonb NOT NULL DEFAULT '{{}}'
);
CREATE INDEX ix_events_incident ON events (incident_id, id) WHERE incident_id IS NOT NULL;
CREATE INDEX ix_events_unit ON events (unit_id, id) WHERE unit_id IS NOT NULL;

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER unit_positions_append_only BEFORE UPDATE OR DELETE ON unit_positions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
"""

DOWNGRADE = """
DROP TABLE events, assignments, calls, incidents, unit_positions, units, stations,
    response_targets, urban_zones, districts;
DROP FUNCTION forbid_change();
DROP EXTENSION IF EXISTS earthdistance;
DROP EXTENSION IF EXISTS cube;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
