"""health book consents

A citizen's consent for a facility to read his health book, offered with a one-time code
and bound to the facility that redeems it, and reception's emergency accesses without one
(``sokhoe.access.consent_models``).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_consent",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=9), nullable=False),
        sa.Column("scope", sa.String(length=7), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("facility_code", sa.String(length=5), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.Column("redeemed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("review_appropriate", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_book_consent_created_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_code"],
            ["facility.code"],
            name=op.f("fk_book_consent_facility_code_facility"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["citizen.person_id"], name=op.f("fk_book_consent_person_id_citizen")
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_book_consent_redeemed_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_book_consent_reviewed_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_book_consent_revoked_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_consent")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_book_consent_code_hash")),
    )
    op.create_index("ix_book_consent_emergency_review", "book_consent", ["kind", "reviewed_at"])
    op.create_index("ix_book_consent_person", "book_consent", ["person_id", "created_at"])


def downgrade() -> None:
    op.drop_table("book_consent")
