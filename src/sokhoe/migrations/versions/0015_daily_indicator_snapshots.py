"""daily indicator snapshots

The campaign's indicators per village, commune and province and Vietnamese day, counted from
the register, the accounts, the card list, the wallet and the field visits
(``sokhoe.campaign.indicator_models``).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_snapshot",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_level", sa.String(length=10), nullable=False),
        sa.Column("unit_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=True),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("level2", sa.Integer(), nullable=False),
        sa.Column("books_activated", sa.Integer(), nullable=False),
        sa.Column("cards_listed", sa.Integer(), nullable=False),
        sa.Column("cards_integrated", sa.Integer(), nullable=False),
        sa.Column("visits_on_day", sa.Integer(), nullable=False),
        sa.Column("visits_to_date", sa.Integer(), nullable=False),
        sa.Column("households_visited", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "unit_level", "unit_code", name=op.f("pk_indicator_snapshot")
        ),
    )
    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_snapshot_province_day", ["province_code", "day"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_snapshot_province_day")

    op.drop_table("indicator_snapshot")
