"""``sokhoe indicators snapshot``: count the campaign's indicators of a province for a day
(by hand, or from cron where the server's own counting, ``snapshot_schedule``, is off)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.campaign import indicators
from sokhoe.campaign.dti import NoSnapshot, dti_indicators, write_dti_csv
from sokhoe.db import unit_of_work
from sokhoe.web.formatting import vn_date, vn_number

indicators_app = typer.Typer(no_args_is_help=True, help="Chỉ số chiến dịch theo ngày.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _percent(part: int, whole: int) -> str:
    return f"{vn_number(100 * part / whole, 1)} %" if whole else "–"


@indicators_app.command("snapshot")
def snapshot(
    province: Annotated[int, typer.Option(help="Mã tỉnh (56: Khánh Hòa).")],
    day: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Ngày (YYYY-MM-DD); mặc định hôm nay."),
    ] = None,
) -> None:
    """Đếm chỉ số của mọi thôn, xã và của tỉnh trong ngày (chạy lại thì thay số của ngày)."""
    on = day.date() if day is not None else indicators.vietnam_today()
    started = time.perf_counter()
    try:
        with (
            console.status(f"Đang đếm chỉ số tỉnh {province} ngày {vn_date(on)}…"),
            unit_of_work(runtime.open_database().sessions) as session,
        ):
            taken = indicators.take_snapshot(session, province, on)
    except indicators.UnknownProvince as error:
        err_console.print(str(error))
        raise typer.Exit(1) from None
    total = taken.province
    console.print(
        f"Ngày {vn_date(on)}: {vn_number(taken.communes)} xã, {vn_number(taken.villages)} thôn; "
        f"{vn_number(total.residents)} người, {vn_number(total.eligible)} từ 14 tuổi; "
        f"định danh mức 2 {_percent(total.level2, total.eligible)}, "
        f"kích hoạt sổ {_percent(total.books_activated, total.eligible)}, "
        f"thẻ tích hợp {_percent(total.cards_integrated, total.cards_listed)}; "
        f"{vn_number(total.visits_on_day)} lượt thăm trong ngày "
        f"({time.perf_counter() - started:.1f} s)."
    )


@indicators_app.command("dti")
def dti(
    province: Annotated[int, typer.Option(help="Mã tỉnh (56: Khánh Hòa).")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Tệp CSV để ghi.")],
    day: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Ngày (YYYY-MM-DD); mặc định hôm nay."),
    ] = None,
) -> None:
    """Ghi chỉ số Sổ sức khỏe điện tử của từng xã cho Bộ chỉ số chuyển đổi số cấp xã (CSV)."""
    on = day.date() if day is not None else indicators.vietnam_today()
    with runtime.open_database().sessions() as session:
        try:
            taken, rows = dti_indicators(session, province, on)
        except NoSnapshot:
            err_console.print(
                f"Chưa có số liệu chỉ số của tỉnh {province} đến ngày {vn_date(on)}: "
                f"hãy chạy sokhoe indicators snapshot --province {province}.",
                soft_wrap=True,
            )
            raise typer.Exit(1) from None
    write_dti_csv(out, province, taken, rows)
    console.print(f"{vn_number(len(rows))} xã, số liệu ngày {vn_date(taken)} → {out}")
