"""``sokhoe campaign …``: create a province's campaign from its plan, copy a
reconciliation run's findings for the field worklists."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.campaign import findings, plans
from sokhoe.campaign.service import CampaignError
from sokhoe.db import unit_of_work
from sokhoe.reconcile.models import ReconcileRun
from sokhoe.web.formatting import vn_date, vn_number

campaign_app = typer.Typer(no_args_is_help=True, help="Chiến dịch tích hợp Sổ sức khỏe điện tử.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@campaign_app.command("create")
def create(
    province: Annotated[int, typer.Option(help="Mã tỉnh (56: Khánh Hòa).")],
    year: Annotated[int, typer.Option(help="Năm của đợt cao điểm (01/3–30/6).")],
) -> None:
    """Tạo chiến dịch của tỉnh theo kế hoạch cao điểm (giai đoạn, chỉ tiêu 100%, hạn 30/6)."""
    try:
        with unit_of_work(runtime.open_database().sessions) as session:
            campaign = plans.create_peak_campaign(session, province_code=province, year=year)
            console.print(
                f"Đã tạo chiến dịch {campaign.id}: {campaign.name} "
                f"({vn_date(campaign.starts_on)}–{vn_date(campaign.deadline)})."
            )
    except CampaignError as error:
        err_console.print(str(error))
        raise typer.Exit(1) from None


@campaign_app.command("findings")
def import_findings(
    run: Annotated[int, typer.Option(help="Số của lần đối soát đã xong.")],
) -> None:
    """Nạp kết quả một lần đối soát (lý do thẻ chưa tích hợp) cho danh sách hộ cần thăm."""
    try:
        with unit_of_work(runtime.open_database().sessions) as session:
            record = session.get(ReconcileRun, run)
            if record is None:
                raise findings.NotImportable(f"Không có lần đối soát {run}.")
            rows = findings.import_run(session, record)
    except findings.NotImportable as error:
        err_console.print(str(error))
        raise typer.Exit(1) from None
    console.print(f"Đã nạp {vn_number(rows)} dòng kết quả của lần đối soát {run}.")
