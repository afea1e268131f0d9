"""one open integration request per card

A partial unique index: two submissions of the same card at the same instant end in one
open request (``requests.submit`` inserts with ON CONFLICT DO NOTHING).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integration_request", schema=None) as batch_op:
        batch_op.create_index(
            "uq_integration_request_open_card",
            ["person_id", "card_number"],
            unique=True,
            sqlite_where=sa.text("status IN ('cho_duyet', 'cho_xem_xet')"),
            postgresql_where=sa.text("status IN ('cho_duyet', 'cho_xem_xet')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("integration_request", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_integration_request_open_card",
            sqlite_where=sa.text("status IN ('cho_duyet', 'cho_xem_xet')"),
            postgresql_where=sa.text("status IN ('cho_duyet', 'cho_xem_xet')"),
        )
