"""append-only audit log; time of the last failed sign-in

The audit chain already shows tampering (``sokhoe audit verify``); these triggers also make
the database refuse UPDATE, DELETE and TRUNCATE on ``audit_entry``, so only someone able to
drop or disable triggers can even try.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PG_UP = [
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
    """
    CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
]
_PG_DOWN = [
    "DROP TRIGGER audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER audit_entry_no_update_delete ON audit_entry",
    "DROP FUNCTION audit_entry_append_only()",
]
# SQLite has no TRUNCATE; DELETE without WHERE fires the row trigger like any other DELETE.
_SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: {verb} refused'); END
    """
    for verb in ("UPDATE", "DELETE")
]
_SQLITE_DOWN = ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"]


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_failed_login_at", sa.DateTime(timezone=True), nullable=True)
        )
    for statement in _PG_UP if _is_postgres() else _SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in _PG_DOWN if _is_postgres() else _SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("last_failed_login_at")
