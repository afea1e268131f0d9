"""``sokhoe audit …`` and ``sokhoe users …``: thin commands over the access services."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.access import audit, service
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.db import unit_of_work

audit_app = typer.Typer(no_args_is_help=True, help="Nhật ký truy cập dữ liệu cá nhân.")
users_app = typer.Typer(no_args_is_help=True, help="Tài khoản người dùng.")
console = Console()
err_console = Console(stderr=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal the entries waiting, then check the hash chain: exit 0 when intact, 1 naming
    the first bad entry."""
    database = runtime.open_database()
    audit.seal_all(database.sessions)
    with unit_of_work(database.sessions) as session:
        report = audit.verify(session)
    if not report.ok:
        err_console.print(
            f"[red]Chuỗi nhật ký bị phá vỡ tại bản ghi số {report.first_bad_seq}: "
            f"{report.reason} ({report.checked} bản ghi trước đó còn nguyên vẹn).[/red]"
        )
        raise typer.Exit(1)
    console.print(f"Chuỗi nhật ký toàn vẹn: {report.checked} bản ghi")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="tên đăng nhập")],
    role: Annotated[Role, typer.Option(help="vai trò")],
    display_name: Annotated[str, typer.Option(help="họ tên hiển thị")],
    password_stdin: Annotated[
        bool,
        typer.Option(help="đọc mật khẩu từ dòng đầu của stdin (không có: chỉ đăng nhập qua VNeID)"),
    ] = False,
    province: Annotated[int | None, typer.Option(help="mã tỉnh/thành phố")] = None,
    commune: Annotated[int | None, typer.Option(help="mã xã/phường")] = None,
    facility: Annotated[str | None, typer.Option(help="mã cơ sở khám chữa bệnh")] = None,
    person_id: Annotated[str | None, typer.Option(help="mã định danh cá nhân (công dân)")] = None,
    village: Annotated[list[int] | None, typer.Option(help="mã thôn, tổ (lặp lại được)")] = None,
) -> None:
    """Create an account; the creation is written to the audit chain."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    database = runtime.open_database()
    try:
        with unit_of_work(database.sessions) as session:
            user = service.create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                province_code=province,
                commune_code=commune,
                facility_code=facility,
                person_id=person_id,
                village_ids=village or (),
            )
            audit.record(
                session,
                actor=None,
                action="create_user",
                purpose=Purpose.ADMINISTRATION,
                detail=f"tài khoản {user.username} ({user.role}), từ dòng lệnh",
            )
    except service.InvalidUser as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Đã tạo tài khoản {user.username} (mã {user.id}).")
