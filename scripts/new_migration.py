"""Autogenerate the next Alembic revision from the models.

Usage: ``uv run python scripts/new_migration.py 0002 "what changed"``.

It migrates a scratch SQLite database to head, then compares it with ``Base.metadata``.
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

import sokhoe.tables  # noqa: F401  (registers every table)
from sokhoe.db import MIGRATIONS_DIR


def main() -> None:
    rev_id, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main()
