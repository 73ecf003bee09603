"""Unit types become rows checked by a foreign key, synchronised from app/dispatch/registry.py.

Before, the list lived in a CHECK constraint here as well as in the code; adding a type meant a
migration. Now `dial112 seed` inserts the registry's types and the foreign key keeps units honest.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The types that existed when this migration was written (later ones arrive through `dial112 seed`).
INITIAL = ("police_erv", "ambulance", "fire_tender", "women_safety", "child_protection")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE unit_types (
            name text CONSTRAINT pk_unit_types PRIMARY KEY
                CONSTRAINT ck_unit_types_name CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$')
        )
        """
    )
    op.execute("INSERT INTO unit_types (name) VALUES " + ", ".join(f"('{n}')" for n in INITIAL))
    op.execute("ALTER TABLE units DROP CONSTRAINT ck_units_type")
    op.execute(
        "ALTER TABLE units ADD CONSTRAINT fk_units_type FOREIGN KEY (type) REFERENCES unit_types (name)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE units DROP CONSTRAINT fk_units_type")
    names = ", ".join(f"'{n}'" for n in INITIAL)
    op.execute(f"ALTER TABLE units ADD CONSTRAINT ck_units_type CHECK (type IN ({names}))")
    op.execute("DROP TABLE unit_types")
