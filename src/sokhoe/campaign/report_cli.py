"""``sokhoe report``: the province's monthly report (R18) written to a file, XLSX or PDF,
from the daily indicator snapshots (take them with ``sokhoe indicators snapshot``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.access.clock import utcnow
from sokhoe.campaign import province_report
from sokhoe.campaign.indicators import UnknownProvince
from sokhoe.campaign.province_report import ReportFormat
from sokhoe.db import unit_of_work
from sokhoe.web.formatting import vn_date, vn_number

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def report_command(
    province: Annotated[int, typer.Option(help="Mã tỉnh (56: Khánh Hòa).")],
    month: Annotated[str, typer.Option(help="Tháng báo cáo, dạng YYYY-MM (ví dụ 2026-03).")],
    format: Annotated[ReportFormat, typer.Option("--format", help="xlsx hoặc pdf.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Tệp sẽ ghi.")],
) -> None:
    """Báo cáo tháng của tỉnh gửi UBND tỉnh và Bộ Y tế: mỗi xã một dòng, tổng, biểu đồ."""
    from sokhoe.campaign.province_report_files import report_file

    started = time.perf_counter()
    try:
        first = province_report.parse_month(month)
        with (
            console.status(f"Đang lập báo cáo tháng {first:%m/%Y} của tỉnh {province}…"),
            unit_of_work(runtime.open_database().sessions) as session,
        ):
            now = utcnow()
            report = province_report.build_report(
                session, province_code=province, month=first, now=now
            )
            written = report_file(report, format, now=now)
            out.write_bytes(written.content)
    except (province_report.ReportError, UnknownProvince) as error:
        err_console.print(str(error))
        raise typer.Exit(1) from None
    except OSError as error:
        err_console.print(f"Không ghi được tệp {out}: {error.strerror or error}.")
        raise typer.Exit(1) from None
    console.print(
        f"Đã ghi {out}: {vn_number(len(report.communes))} xã và dòng toàn tỉnh, "
        f"số liệu đến ngày {vn_date(report.end_day)} "
        f"({vn_number(len(written.content))} byte, {time.perf_counter() - started:.1f} s).",
        soft_wrap=True,  # a path cut over two lines could not be copied
    )
