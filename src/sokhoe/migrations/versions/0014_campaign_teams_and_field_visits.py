"""campaign, teams and field visits

A province's campaign with its phases and targets, the communes' guidance teams, the villages
each covers, the visits their members record at the door, and a copy of a reconciliation
run's findings per person for the field worklist (``sokhoe.campaign.models``).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_campaign_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_province_status", ["province_code", "status"], unique=False
        )

    op.create_table(
        "campaign_phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_phase_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_phase")),
    )
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_phase_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "campaign_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_level", sa.String(length=10), nullable=False),
        sa.Column("unit_code", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=30), nullable=False),
        sa.Column("target_percent", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_target_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_target")),
        sa.UniqueConstraint(
            "campaign_id",
            "unit_level",
            "unit_code",
            "indicator",
            name=op.f("uq_campaign_target_campaign_id"),
        ),
    )
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_target_unit", ["unit_level", "unit_code"], unique=False)

    op.create_table(
        "guidance_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("head_name", sa.String(length=120), nullable=False),
        sa.Column("head_organisation", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_guidance_team_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_guidance_team_commune_code_commune")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_team")),
        sa.UniqueConstraint(
            "campaign_id", "commune_code", "name", name=op.f("uq_guidance_team_campaign_id")
        ),
    )
    with op.batch_alter_table("guidance_team", schema=None) as batch_op:
        batch_op.create_index(
            "ix_guidance_team_commune", ["commune_code", "campaign_id"], unique=False
        )

    op.create_table(
        "team_village",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_team_village_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["guidance_team.id"], name=op.f("fk_team_village_team_id_guidance_team")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_team_village_village_id_village")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "village_id", name=op.f("pk_team_village")),
    )
    with op.batch_alter_table("team_village", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_village_team_id"), ["team_id"], unique=False)

    op.create_table(
        "field_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("member_user_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.String(length=12), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_field_visit_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["member_user_id"], ["app_user.id"], name=op.f("fk_field_visit_member_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["guidance_team.id"], name=op.f("fk_field_visit_team_id_guidance_team")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_field_visit_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_visit")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_field_visit_client_uuid")),
    )
    with op.batch_alter_table("field_visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_visit_campaign_day", ["campaign_id", "visited_on"], unique=False
        )
        batch_op.create_index(
            "ix_field_visit_commune_day", ["commune_code", "visited_on"], unique=False
        )
        batch_op.create_index("ix_field_visit_household", ["household_id"], unique=False)
        batch_op.create_index("ix_field_visit_member", ["member_user_id"], unique=False)
        batch_op.create_index("ix_field_visit_person", ["person_id", "visited_at"], unique=False)
        batch_op.create_index(
            "ix_field_visit_province_day", ["province_code", "visited_on"], unique=False
        )
        batch_op.create_index("ix_field_visit_team", ["team_id"], unique=False)
        batch_op.create_index(
            "ix_field_visit_village_day", ["village_id", "visited_on"], unique=False
        )

    op.create_table(
        "guidance_team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["guidance_team.id"],
            name=op.f("fk_guidance_team_member_team_id_guidance_team"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_guidance_team_member_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_guidance_team_member")),
    )
    with op.batch_alter_table("guidance_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guidance_team_member_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "campaign_finding_run",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconcile_run.id"],
            name=op.f("fk_campaign_finding_run_run_id_reconcile_run"),
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_campaign_finding_run")),
    )
    with op.batch_alter_table("campaign_finding_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_finding_run_province", ["province_code", "run_id"], unique=False
        )

    op.create_table(
        "campaign_card_finding",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["campaign_finding_run.run_id"],
            name=op.f("fk_campaign_card_finding_run_id_campaign_finding_run"),
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "person_id", "category", name=op.f("pk_campaign_card_finding")
        ),
    )


def downgrade() -> None:
    op.drop_table("campaign_card_finding")
    with op.batch_alter_table("campaign_finding_run", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_finding_run_province")

    op.drop_table("campaign_finding_run")
    with op.batch_alter_table("guidance_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_team_member_user_id"))

    op.drop_table("guidance_team_member")
    with op.batch_alter_table("field_visit", schema=None) as batch_op:
        batch_op.drop_index("ix_field_visit_village_day")
        batch_op.drop_index("ix_field_visit_team")
        batch_op.drop_index("ix_field_visit_province_day")
        batch_op.drop_index("ix_field_visit_person")
        batch_op.drop_index("ix_field_visit_member")
        batch_op.drop_index("ix_field_visit_household")
        batch_op.drop_index("ix_field_visit_commune_day")
        batch_op.drop_index("ix_field_visit_campaign_day")

    op.drop_table("field_visit")
    with op.batch_alter_table("team_village", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_village_team_id"))

    op.drop_table("team_village")
    with op.batch_alter_table("guidance_team", schema=None) as batch_op:
        batch_op.drop_index("ix_guidance_team_commune")

    op.drop_table("guidance_team")
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_target_unit")

    op.drop_table("campaign_target")
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_phase_campaign_id"))

    op.drop_table("campaign_phase")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_province_status")

    op.drop_table("campaign")
