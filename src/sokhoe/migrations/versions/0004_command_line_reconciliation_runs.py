"""command-line reconciliation runs

``sokhoe reconcile --record`` keeps its runs too: they have no account, may have no known
province, and their outputs are wherever ``--out`` put them (``output_directory``).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reconcile_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("output_directory", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.alter_column("province_code", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("started_by_user_id", existing_type=sa.INTEGER(), nullable=True)
    # Runs started from the web keep their outputs in <directory>/out.
    op.execute("UPDATE reconcile_run SET output_directory = directory || '/out'")


def downgrade() -> None:
    # Fails while command-line runs exist (NULL account): runs are kept, not dropped here.
    with op.batch_alter_table("reconcile_run", schema=None) as batch_op:
        batch_op.alter_column("started_by_user_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("province_code", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("output_directory")
