"""A table's first load on PostgreSQL, without keeping its secondary indexes and foreign keys
current row by row.

Loading a province's register into a new database is most of what a deployment ever loads,
and maintaining non-unique indexes and checking foreign keys for each of millions of rows is
most of that load's cost in the server (measured: six card indexes, ≈ 37 s of 2.15 M cards;
the register's foreign keys, ≈ 17 s of 41 s). So, when a table is empty as its load starts,
those are set aside (each drop in a short transaction of its own, so that readers of the
tables they refer to wait a moment, not the whole load) and rebuilt when the file is in:
an index in one sorted pass, a foreign key added ``NOT VALID`` then validated by one join,
which lets the referred tables be read and written meanwhile.

Unique indexes stay: conflicts on them merge a file's repeated keys. The batches keep their
own transactions. What to rebuild is read from the model (``Base.metadata``), not from a
list kept aside, so a load that was interrupted before rebuilding is repaired by the next
one: :func:`restore` runs before every load and creates whatever the model has and the
database lacks.
"""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Index, Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint, CreateIndex

from sokhoe.db import Base


def _deferred(table: str) -> tuple[list[Index], list[ForeignKeyConstraint]]:
    """The model's non-unique indexes and foreign keys of ``table``."""
    model: Table = Base.metadata.tables[table]
    indexes = sorted((i for i in model.indexes if not i.unique), key=lambda i: str(i.name))
    foreign_keys = sorted(model.foreign_key_constraints, key=lambda c: str(c.name))
    return indexes, foreign_keys


def _present(connection: Connection, table: str) -> set[str]:
    """Names of ``table``'s indexes and constraints in the database."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %(t)s::regclass "
        "UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = %(t)s::regclass",
        {"t": table},
    )
    return {name for (name,) in rows}


def set_aside(connection: Connection, table: str) -> None:
    """Drops ``table``'s non-unique indexes and foreign keys, each in its own transaction."""
    indexes, foreign_keys = _deferred(table)
    for foreign_key in foreign_keys:
        with connection.begin():
            connection.exec_driver_sql(
                f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{foreign_key.name}"'
            )
    for index in indexes:
        with connection.begin():
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')


def restore(connection: Connection, table: str) -> None:
    """Creates each index and foreign key of ``table`` the model declares and the database
    lacks, each in a transaction of its own (call outside a transaction)."""
    indexes, foreign_keys = _deferred(table)
    with connection.begin():
        present = _present(connection, table)
    for index in indexes:
        if index.name not in present:
            with connection.begin():
                connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
                connection.execute(CreateIndex(index))
    for foreign_key in foreign_keys:
        if foreign_key.name not in present:
            add = AddConstraint(foreign_key).compile(dialect=connection.dialect)
            with connection.begin():
                connection.exec_driver_sql(f"{add} NOT VALID")
            with connection.begin():
                connection.exec_driver_sql(
                    f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{foreign_key.name}"'
                )
