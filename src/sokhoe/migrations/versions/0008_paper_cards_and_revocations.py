"""paper cards and revocations

Paper cards printed with a long-lived signed QR code, and the revocation list: token ids of
paper cards and card numbers no longer accepted (``sokhoe.insurance.paper_card_models``).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_revocation",
        sa.Column("entry", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["revoked_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_card_revocation_revoked_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("entry", name=op.f("pk_card_revocation")),
    )
    op.create_table(
        "paper_card",
        sa.Column("token_id", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("card_number", sa.String(length=15), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_paper_card_issued_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_paper_card")),
    )
    with op.batch_alter_table("paper_card", schema=None) as batch_op:
        batch_op.create_index("ix_paper_card_person", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("paper_card", schema=None) as batch_op:
        batch_op.drop_index("ix_paper_card_person")

    op.drop_table("paper_card")
    op.drop_table("card_revocation")
