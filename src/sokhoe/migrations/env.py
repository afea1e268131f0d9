"""Alembic environment: migrations run on the connection handed in by :func:`sokhoe.db.migrate`."""

from alembic import context

import sokhoe.tables  # noqa: F401  (registers every table)
from sokhoe.db import Base

target_metadata = Base.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
