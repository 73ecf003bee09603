"""Smart-city surveillance: cameras and panic poles, their alerts, and each report behind an alert.

An alert is a burst: the reports of one camera and kind close together in time. Intake decides which
alert a report joins while holding the camera's row lock (FOR NO KEY UPDATE), so concurrent posts from
several workers cannot open two alerts for one burst; a time window cannot be a unique index. Each
report is kept (camera_alert_reports), unique on the gateway's external_id: the idempotency guard.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from alembic import op
from app.database import split_sql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The lists as this migration writes them (app/dispatch/surveillance.py is where code reads them).
CAMERA_KINDS = "'fixed','ptz','anpr','panic_pole'"
ALERT_KINDS = "'sos_button','fire','smoke','crowd','fight','accident','abandoned_object','intrusion'"
ALERT_STATUSES = "'pending_review','confirmed','dismissed','auto_dispatched','linked'"
SERVICES = "'police','fire','medical','women','child'"

UPGRADE = f"""
CREATE TABLE cameras (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_cameras PRIMARY KEY,
    code text NOT NULL CONSTRAINT uq_cameras_code UNIQUE,
    name text NOT NULL,
    kind text NOT NULL CONSTRAINT ck_cameras_kind CHECK (kind IN ({CAMERA_KINDS})),
    lat double precision NOT NULL CONSTRAINT ck_cameras_lat CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CONSTRAINT ck_cameras_lon CHECK (lon BETWEEN -180 AND 180),
    district text NOT NULL CONSTRAINT fk_cameras_district REFERENCES districts(name) ON UPDATE CASCADE,
    live_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);
-- Cameras near an incident: a radius search on the same earthdistance GiST approach as free units.
CREATE INDEX ix_cameras_earth ON cameras USING gist (ll_to_earth(lat, lon));
CREATE INDEX ix_cameras_district_kind ON cameras (district, kind);

CREATE TABLE camera_alerts (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_camera_alerts PRIMARY KEY,
    camera_id bigint NOT NULL CONSTRAINT fk_camera_alerts_camera REFERENCES cameras(id),
    kind text NOT NULL CONSTRAINT ck_camera_alerts_kind CHECK (kind IN ({ALERT_KINDS})),
    status text NOT NULL CONSTRAINT ck_camera_alerts_status CHECK (status IN ({ALERT_STATUSES})),
    -- The camera's district when the alert came: the feed and the analytics group by it.
    district text NOT NULL CONSTRAINT fk_camera_alerts_district REFERENCES districts(name) ON UPDATE CASCADE,
    confidence double precision NOT NULL
        CONSTRAINT ck_camera_alerts_confidence CHECK (confidence BETWEEN 0 AND 1),
    first_at timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    count integer NOT NULL DEFAULT 1 CONSTRAINT ck_camera_alerts_count CHECK (count >= 1),
    snapshot_url text,
    received_at timestamptz NOT NULL,
    created_by text NOT NULL,
    incident_id bigint CONSTRAINT fk_camera_alerts_incident REFERENCES incidents(id),
    category text CONSTRAINT ck_camera_alerts_category CHECK (category IN ({SERVICES})),
    priority smallint CONSTRAINT ck_camera_alerts_priority CHECK (priority BETWEEN 1 AND 3),
    decided_at timestamptz,
    decided_by text,
    dismiss_reason text,
    note text,
    CONSTRAINT ck_camera_alerts_span CHECK (first_at <= last_at),
    CONSTRAINT ck_camera_alerts_dismissed CHECK ((status = 'dismissed') = (dismiss_reason IS NOT NULL))
);
-- The burst look-up: the newest alert of a camera and kind.
CREATE INDEX ix_camera_alerts_burst ON camera_alerts (camera_id, kind, last_at DESC);
-- The review queue, oldest first.
CREATE INDEX ix_camera_alerts_review ON camera_alerts (first_at, id) WHERE status = 'pending_review';
CREATE INDEX ix_camera_alerts_incident ON camera_alerts (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX ix_camera_alerts_first_at ON camera_alerts (first_at);

CREATE TABLE camera_alert_reports (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_camera_alert_reports PRIMARY KEY,
    alert_id bigint NOT NULL CONSTRAINT fk_camera_alert_reports_alert REFERENCES camera_alerts(id),
    -- The gateway's own id: a repeat is answered with the alert it joined, nothing new is written.
    external_id text CONSTRAINT uq_camera_alert_reports_external_id UNIQUE,
    at timestamptz NOT NULL,
    confidence double precision NOT NULL,
    snapshot_url text,
    received_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX ix_camera_alert_reports_alert ON camera_alert_reports (alert_id);
"""

DOWNGRADE = """
DROP TABLE camera_alert_reports;
DROP TABLE camera_alerts;
DROP TABLE cameras;
"""


def upgrade() -> None:
    for statement in split_sql(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in split_sql(DOWNGRADE):
        op.execute(statement)
