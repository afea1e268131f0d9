"""``sokhoe establishments …``: import the rosters of schools and enterprises, name the
accounts that work them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.bulk.messages import FileRejected
from sokhoe.bulk.report import write_problems
from sokhoe.campaign import establishments
from sokhoe.campaign.establishments_import import import_rosters
from sokhoe.campaign.service import CampaignError
from sokhoe.db import unit_of_work
from sokhoe.progress import progress_bars
from sokhoe.web.formatting import vn_number

establishments_app = typer.Typer(
    no_args_is_help=True, help="Trường học, doanh nghiệp và danh sách học sinh, người lao động."
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@establishments_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tệp CSV danh sách.")],
    lang: Annotated[str, typer.Option(help="Ngôn ngữ thông báo: vi hoặc en.")] = "vi",
    rejects: Annotated[
        Path | None, typer.Option(help="Ghi mọi dòng bị từ chối vào tệp CSV này.")
    ] = None,
) -> None:
    """Nạp danh sách (kind,code,name,commune_code,head_name,person_id,role), mỗi người một
    dòng. Nạp lại cho cùng kết quả; người không còn trong danh sách của cơ sở có trong tệp
    được gỡ khỏi cơ sở. Mã thoát 0: mọi dòng đã nạp; 1: có dòng bị từ chối; 2: tệp không
    dùng được (không ghi gì)."""
    database = runtime.open_database()
    try:
        with progress_bars(console) as start:
            report = import_rosters(database.sessions, file, start=start)
    except FileRejected as error:
        err_console.print(f"[red]{error.problem.message(lang)}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"{report.filename}: {vn_number(report.establishments)} cơ sở, "
        f"{vn_number(report.members)} người đã nạp, {vn_number(report.removed)} người gỡ khỏi "
        f"danh sách, {vn_number(len(report.problems))} dòng bị từ chối"
    )
    for problem in report.problems[:20]:
        err_console.print(problem.message(lang))
    if rejects is not None:
        write_problems(rejects, report.problems, lang)
    if report.problems:
        raise typer.Exit(1)


@establishments_app.command("contact")
def add_contact(
    kind: Annotated[str, typer.Argument(help="school hoặc enterprise.")],
    code: Annotated[str, typer.Argument(help="Mã của cơ sở.")],
    username: Annotated[str, typer.Argument(help="Tài khoản thành viên tổ hướng dẫn.")],
    province: Annotated[int, typer.Option(help="Mã tỉnh (56: Khánh Hòa).")] = 56,
) -> None:
    """Giao danh sách của một cơ sở cho một thành viên tổ hướng dẫn (giáo viên, cán bộ
    nhân sự) của xã nơi cơ sở đặt trụ sở."""
    try:
        with unit_of_work(runtime.open_database().sessions) as session:
            establishment = establishments.find_establishment(session, province, kind, code)
            establishments.add_contact(session, establishment, username)
            name = establishment.name
    except CampaignError as error:
        err_console.print(str(error))
        raise typer.Exit(1) from None
    console.print(f"Đã giao danh sách của {name} cho tài khoản {username}.")
