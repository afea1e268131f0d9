"""reception check-ins

A check-in recorded by reception after a presented card token verified: the start of a
visit at the facility (``sokhoe.records.check_in_models``), one per code, facility and
Vietnam day.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_in",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=True),
        sa.Column("card_number", sa.String(length=15), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("birth_precision", sa.String(length=5), nullable=False),
        sa.Column("registered_facility_code", sa.String(length=5), nullable=True),
        sa.Column("token_id", sa.String(length=16), nullable=False),
        sa.Column("token_kind", sa.String(length=5), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["app_user.id"], name=op.f("fk_check_in_by_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["facility_code"], ["facility.code"], name=op.f("fk_check_in_facility_code_facility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint(
            "facility_code", "day", "token_id", name="uq_check_in_facility_day_token"
        ),
    )


def downgrade() -> None:
    op.drop_table("check_in")
