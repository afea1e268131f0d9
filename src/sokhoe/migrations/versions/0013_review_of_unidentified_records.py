"""review of unidentified records

The Department of Health resolves the review queue (``sokhoe.records.record_review``): an
entry keeps who decided, the person named (whom later resends of the record go to) or why
the record was dismissed; ``status`` gains ``dismissed``, one character longer than the
column allowed.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unidentified_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_person_id", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("dismissal_reason", sa.Text(), nullable=True))
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=8),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_unidentified_record_resolved_by_user_id_app_user"),
            "app_user",
            ["resolved_by_user_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_unidentified_record_resolved_person_id_citizen"),
            "citizen",
            ["resolved_person_id"],
            ["person_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("unidentified_record", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_unidentified_record_resolved_person_id_citizen"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_unidentified_record_resolved_by_user_id_app_user"), type_="foreignkey"
        )
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=10),
            type_=sa.String(length=8),
            existing_nullable=False,
        )
        batch_op.drop_column("dismissal_reason")
        batch_op.drop_column("resolved_person_id")
        batch_op.drop_column("resolved_by_user_id")
