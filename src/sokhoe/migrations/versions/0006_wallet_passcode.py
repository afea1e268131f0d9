"""wallet passcode

The six-digit passcode asked before a card is presented, with its failure count and
lockout (``sokhoe.insurance.passcode_models``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_passcode",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("passcode_hash", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_wallet_passcode_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_wallet_passcode")),
    )


def downgrade() -> None:
    op.drop_table("wallet_passcode")
