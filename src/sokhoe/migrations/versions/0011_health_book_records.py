"""health book records

What hospitals send (``sokhoe.records.models``): visits, referrals, re-exam appointments and
vaccinations, each unique per facility and key; the review queue of records whose person
could not be identified; and the facilities' HIS credentials (hashes only).

Revision ID: 0011
Revises: 0010
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: BIGINT on PostgreSQL, INTEGER (the self-numbering row id) on SQLite.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The record tables, with the columns of their own and their book index.
RECORDS: dict[str, tuple[list[sa.Column[Any]], tuple[str, list[str]]]] = {
    "visit": (
        [
            sa.Column("started_at", sa.DateTime(), nullable=False),
            sa.Column("ended_at", sa.DateTime(), nullable=True),
            sa.Column("visit_type", sa.String(length=2), nullable=True),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.Column("main_diagnosis", sa.String(length=10), nullable=True),
            sa.Column("other_diagnoses", sa.Text(), nullable=False),
            sa.Column("outcome", sa.String(length=2), nullable=True),
            sa.Column("re_exam_on", sa.Date(), nullable=True),
        ],
        ("ix_visit_person_started", ["person_id", "started_at"]),
    ),
    "referral": (
        [
            sa.Column("referred_on", sa.Date(), nullable=False),
            sa.Column("number", sa.Text(), nullable=True),
            sa.Column("to_facility", sa.String(length=5), nullable=True),
            sa.Column("diagnosis", sa.String(length=10), nullable=True),
            sa.Column("diagnosis_text", sa.Text(), nullable=True),
            sa.Column("reason", sa.Text(), nullable=True),
        ],
        ("ix_referral_person_referred", ["person_id", "referred_on"]),
    ),
    "appointment": (
        [
            sa.Column("on_date", sa.Date(), nullable=False),
            sa.Column("number", sa.Text(), nullable=True),
            sa.Column("diagnosis", sa.String(length=10), nullable=True),
            sa.Column("diagnosis_text", sa.Text(), nullable=True),
        ],
        ("ix_appointment_person_on", ["person_id", "on_date"]),
    ),
    "immunization": (
        [
            sa.Column("vaccine", sa.String(length=20), nullable=False),
            sa.Column("given_on", sa.Date(), nullable=False),
            sa.Column("dose_number", sa.SmallInteger(), nullable=True),
            sa.Column("lot_number", sa.String(length=50), nullable=True),
        ],
        ("ix_immunization_person_vaccine", ["person_id", "vaccine"]),
    ),
}


def _record_table(name: str, own: list[sa.Column[Any]], index: tuple[str, list[str]]) -> None:
    op.create_table(
        name,
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("person_id_sent", sa.String(length=12), nullable=True),
        sa.Column("card_number", sa.String(length=15), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("patient_code", sa.String(length=100), nullable=True),
        *own,
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_code"], ["facility.code"], name=op.f(f"fk_{name}_facility_code_facility")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["citizen.person_id"], name=op.f(f"fk_{name}_person_id_citizen")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("facility_code", "key", name=f"uq_{name}_facility_key"),
    )
    op.create_index(index[0], name, index[1])


def upgrade() -> None:
    for name, (own, index) in RECORDS.items():
        _record_table(name, own, index)
    op.create_table(
        "unidentified_record",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_code"],
            ["facility.code"],
            name=op.f("fk_unidentified_record_facility_code_facility"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unidentified_record")),
        sa.UniqueConstraint(
            "facility_code", "kind", "key", name="uq_unidentified_record_facility_kind_key"
        ),
    )
    op.create_index(
        "ix_unidentified_record_status_facility", "unidentified_record", ["status", "facility_code"]
    )
    op.create_table(
        "his_credential",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_code"],
            ["facility.code"],
            name=op.f("fk_his_credential_facility_code_facility"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_his_credential")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_his_credential_key_hash")),
    )
    op.create_index(op.f("ix_his_credential_facility_code"), "his_credential", ["facility_code"])


def downgrade() -> None:
    op.drop_table("his_credential")
    op.drop_table("unidentified_record")
    for name in reversed(RECORDS):
        op.drop_table(name)
