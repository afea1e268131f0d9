"""commune reports (the unified daily and monthly form)

The communes' report of each period, draft or sent, with the figures copied when sent
(``sokhoe.campaign.report_models``); a phase says whether communes report daily in it.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("daily_reports", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    op.create_table(
        "commune_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("figures_day", sa.Date(), nullable=True),
        sa.Column("eligible", sa.Integer(), nullable=True),
        sa.Column("level2", sa.Integer(), nullable=True),
        sa.Column("books_activated", sa.Integer(), nullable=True),
        sa.Column("cards_listed", sa.Integer(), nullable=True),
        sa.Column("cards_integrated", sa.Integer(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=True),
        sa.Column("households_visited", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_commune_report_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_commune_report_commune_code_commune"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["app_user.id"], name=op.f("fk_commune_report_submitted_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_commune_report_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_report")),
        sa.UniqueConstraint(
            "campaign_id",
            "commune_code",
            "period_kind",
            "period_start",
            name=op.f("uq_commune_report_campaign_id"),
        ),
    )
    with op.batch_alter_table("commune_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commune_report_province_period", ["province_code", "period_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commune_report", schema=None) as batch_op:
        batch_op.drop_index("ix_commune_report_province_period")

    op.drop_table("commune_report")
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.drop_column("daily_reports")
