"""wallet requests

A citizen's requests to integrate a BHYT card in the e-ID wallet, and each request's
status history (``sokhoe.insurance.request_models``).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integration_request",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=15), nullable=False),
        sa.Column("issuing_province_code", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_integration_request_requested_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_request")),
    )
    with op.batch_alter_table("integration_request", schema=None) as batch_op:
        batch_op.create_index("ix_integration_request_person", ["person_id"], unique=False)
        batch_op.create_index(
            "ix_integration_request_province_status", ["province_code", "status"], unique=False
        )

    op.create_table(
        "integration_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["app_user.id"],
            name=op.f("fk_integration_request_event_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["integration_request.id"],
            name=op.f("fk_integration_request_event_request_id_integration_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_request_event")),
    )
    with op.batch_alter_table("integration_request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_request_event_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("integration_request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_request_event_request_id"))

    op.drop_table("integration_request_event")
    with op.batch_alter_table("integration_request", schema=None) as batch_op:
        batch_op.drop_index("ix_integration_request_province_status")
        batch_op.drop_index("ix_integration_request_person")

    op.drop_table("integration_request")
