"""schools and enterprises with their pupils and employees

Establishments (schools, enterprises), their rosters and the accounts that work them; a
field visit may name the establishment where the person was reached, and its village may be
empty (a member registered without one); the snapshot counts schools, enterprises and their
people per commune (``sokhoe.campaign.establishment_models``).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: The snapshot's new counts; rows taken before this revision read 0.
_COUNTS = (
    "schools",
    "schools_reached",
    "students",
    "students_integrated",
    "enterprises",
    "enterprises_reached",
    "employees",
    "employees_activated",
)


def upgrade() -> None:
    op.create_table(
        "establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("head_name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_establishment_commune_code_commune")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_establishment_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishment")),
        sa.UniqueConstraint(
            "province_code", "kind", "code", name=op.f("uq_establishment_province_code")
        ),
    )
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.create_index("ix_establishment_commune", ["commune_code", "kind"], unique=False)

    op.create_table(
        "establishment_member",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_establishment_member_establishment_id_establishment"),
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "person_id", name=op.f("pk_establishment_member")
        ),
    )
    with op.batch_alter_table("establishment_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_establishment_member_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "establishment_contact",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_establishment_contact_establishment_id_establishment"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_establishment_contact_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "user_id", name=op.f("pk_establishment_contact")
        ),
    )
    with op.batch_alter_table("establishment_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_establishment_contact_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("field_visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("establishment_id", sa.Integer(), nullable=True))
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            "ix_field_visit_establishment", ["establishment_id", "visited_on"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_field_visit_establishment_id_establishment"),
            "establishment",
            ["establishment_id"],
            ["id"],
        )

    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        for name in _COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("indicator_snapshot", schema=None) as batch_op:
        for name in reversed(_COUNTS):
            batch_op.drop_column(name)

    with op.batch_alter_table("field_visit", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_field_visit_establishment_id_establishment"), type_="foreignkey"
        )
        batch_op.drop_index("ix_field_visit_establishment")
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("establishment_id")

    with op.batch_alter_table("establishment_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_contact_user_id"))
    op.drop_table("establishment_contact")

    with op.batch_alter_table("establishment_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_member_person_id"))
    op.drop_table("establishment_member")

    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_index("ix_establishment_commune")
    op.drop_table("establishment")
