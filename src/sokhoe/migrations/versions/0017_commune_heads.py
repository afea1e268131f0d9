"""the head responsible for each commune's campaign results

The head named per campaign and commune, with a version for refusing stale edits
(``sokhoe.campaign.head_models``).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commune_head",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_commune_head_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_commune_head_commune_code_commune")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "commune_code", name=op.f("pk_commune_head")),
    )


def downgrade() -> None:
    op.drop_table("commune_head")
