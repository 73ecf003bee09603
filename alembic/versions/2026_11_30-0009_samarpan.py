"""Samarpan: the registry of senior citizens living alone, their phones, welfare visits and needs;
incidents say where their location came from and carry a member's summary.

Personal data lives only in the senior_* tables and in the `senior` summary of an incident, so that
erasing a member (delete the row; phones, visits and needs go with it; summaries are cleared) removes
all of it. The event log records the erasure by member id only.

Revision ID: 0009
Revises: 0011
Create Date: 2026-11-30
"""

from alembic import op
from app.database import split_sql

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

CHANNELS = "'station','whatsapp','email','web'"

UPGRADE = f"""
CREATE TABLE senior_members (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_senior_members PRIMARY KEY,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT ck_senior_members_status CHECK (status IN ('pending','verified','rejected')),
    active boolean NOT NULL DEFAULT true,
    name text NOT NULL,
    date_of_birth date NOT NULL,
    address text NOT NULL,
    lat double precision NOT NULL CONSTRAINT ck_senior_members_lat CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CONSTRAINT ck_senior_members_lon CHECK (lon BETWEEN -180 AND 180),
    district text NOT NULL
        CONSTRAINT fk_senior_members_district REFERENCES districts(name) ON UPDATE CASCADE,
    station_id bigint NOT NULL CONSTRAINT fk_senior_members_station REFERENCES stations(id),
    lives_alone boolean NOT NULL,
    conditions text[] NOT NULL DEFAULT '{{}}',
    mobility text,
    emergency_contacts jsonb NOT NULL DEFAULT '[]',
    consent_given_at timestamptz NOT NULL,
    consent_channel text NOT NULL CONSTRAINT ck_senior_members_consent_channel CHECK (consent_channel IN ({CHANNELS})),
    channel text NOT NULL CONSTRAINT ck_senior_members_channel CHECK (channel IN ({CHANNELS})),
    applied_at timestamptz NOT NULL,
    applied_on date NOT NULL,  -- the IST day of application: the age rule's day
    applied_by text NOT NULL,
    decided_at timestamptz,
    decided_by text,
    decision_reason text,
    verified_on date,  -- IST day; the visit schedule starts here
    last_visit_on date,  -- IST day of the latest welfare visit
    visit_interval_days smallint  -- NULL: the configured default
        CONSTRAINT ck_senior_members_visit_interval CHECK (visit_interval_days BETWEEN 1 AND 365),
    deactivated_at timestamptz,
    deactivated_by text,
    updated_at timestamptz NOT NULL,
    CONSTRAINT ck_senior_members_verified_on CHECK ((status = 'verified') = (verified_on IS NOT NULL))
);
CREATE INDEX ix_senior_members_district ON senior_members (district, status, id);
-- The due list: verified, active members of a station.
CREATE INDEX ix_senior_members_visits ON senior_members (station_id) WHERE status = 'verified' AND active;

-- A member's numbers, in E.164. `active` mirrors the member (pending or verified, not deactivated):
-- one active registration per number, and intake finds a calling member with one index probe.
CREATE TABLE senior_phones (
    member_id bigint NOT NULL
        CONSTRAINT fk_senior_phones_member REFERENCES senior_members(id) ON DELETE CASCADE,
    position smallint NOT NULL,
    phone text NOT NULL CONSTRAINT ck_senior_phones_e164 CHECK (phone ~ '^\\+[1-9][0-9]{{6,14}}$'),
    active boolean NOT NULL,
    CONSTRAINT pk_senior_phones PRIMARY KEY (member_id, position)
);
CREATE UNIQUE INDEX uq_senior_phones_active ON senior_phones (phone) WHERE active;

CREATE TABLE senior_visits (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_senior_visits PRIMARY KEY,
    member_id bigint NOT NULL
        CONSTRAINT fk_senior_visits_member REFERENCES senior_members(id) ON DELETE CASCADE,
    station_id bigint NOT NULL CONSTRAINT fk_senior_visits_station REFERENCES stations(id),
    visited_at timestamptz NOT NULL,
    visited_on date NOT NULL,  -- IST day
    outcome text NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL
);
CREATE INDEX ix_senior_visits_member ON senior_visits (member_id, visited_at DESC);

-- A need raised at a visit (groceries, medicine, a complaint, a health check) until a visit meets it.
CREATE TABLE senior_needs (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_senior_needs PRIMARY KEY,
    member_id bigint NOT NULL
        CONSTRAINT fk_senior_needs_member REFERENCES senior_members(id) ON DELETE CASCADE,
    visit_id bigint NOT NULL CONSTRAINT fk_senior_needs_visit REFERENCES senior_visits(id) ON DELETE CASCADE,
    kind text NOT NULL,
    raised_at timestamptz NOT NULL,
    met_at timestamptz,
    met_visit_id bigint CONSTRAINT fk_senior_needs_met_visit REFERENCES senior_visits(id) ON DELETE CASCADE
);
CREATE INDEX ix_senior_needs_open ON senior_needs (member_id, kind) WHERE met_at IS NULL;
CREATE INDEX ix_senior_needs_unmet_since ON senior_needs (raised_at) WHERE met_at IS NULL;

-- A constant default: PostgreSQL adds the column without rewriting the table. Incidents from before
-- this migration say `caller` even when an address placed them (nothing recorded which one did).
ALTER TABLE incidents ADD COLUMN location_source text NOT NULL DEFAULT 'caller'
    CONSTRAINT ck_incidents_location_source CHECK (location_source IN ('caller','gazetteer','registered_home'));
ALTER TABLE incidents ADD COLUMN senior_member_id bigint
    CONSTRAINT fk_incidents_senior_member REFERENCES senior_members(id) ON DELETE SET NULL;
ALTER TABLE incidents ADD COLUMN senior jsonb;
-- Erasure finds a member's incidents (and the foreign key's ON DELETE) without scanning them all.
CREATE INDEX ix_incidents_senior_member ON incidents (senior_member_id) WHERE senior_member_id IS NOT NULL;
"""

DOWNGRADE = """
DROP INDEX ix_incidents_senior_member;
ALTER TABLE incidents DROP COLUMN senior;
ALTER TABLE incidents DROP COLUMN senior_member_id;
ALTER TABLE incidents DROP COLUMN location_source;
DROP TABLE senior_needs, senior_visits, senior_phones, senior_members;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
