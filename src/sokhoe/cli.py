"""The ``sokhoe`` command line. Thin: each command parses its options and calls a service."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from sokhoe import runtime
from sokhoe.registry import units

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Sổ Khỏe")
console = Console()
err_console = Console(stderr=True)


@app.command()
def provinces() -> None:
    """List the 34 provinces and their codes (for --province)."""
    table = Table("mã", "tỉnh / thành phố", "số xã, phường")
    for unit in units.all_provinces():
        table.add_row(str(unit.code), unit.name, str(len(units.communes_of(unit.code))))
    console.print(table)


@app.command()
def migrate() -> None:
    """Bring the configured database (SOKHOE_DATABASE_URL) to the newest schema."""
    runtime.open_database()
    console.print("Cơ sở dữ liệu đã được cập nhật.")


if __name__ == "__main__":
    app()
