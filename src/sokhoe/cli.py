"""The ``sokhoe`` command line. Thin: each command parses its options and calls a service."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sokhoe import runtime
from sokhoe.access.cli import audit_app, users_app
from sokhoe.bulk.messages import FileRejected
from sokhoe.bulk.report import write_problems
from sokhoe.campaign.cli import campaign_app
from sokhoe.campaign.establishments_cli import establishments_app
from sokhoe.campaign.indicators_cli import indicators_app
from sokhoe.campaign.report_cli import report_command
from sokhoe.dataset import load_directory
from sokhoe.insurance.card_token.cli import keys_app, verify_command
from sokhoe.insurance.paper_card_cli import card_app
from sokhoe.progress import progress_bars
from sokhoe.records.cli import his_key_app, ingest_command
from sokhoe.registry import units
from sokhoe.web.formatting import vn_number

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Sổ Khỏe")
console = Console()
err_console = Console(stderr=True)
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(card_app, name="card")
app.add_typer(campaign_app, name="campaign")
app.add_typer(indicators_app, name="indicators")
app.add_typer(establishments_app, name="establishments")
app.command("verify")(verify_command)
app.add_typer(his_key_app, name="his-key")
app.command("ingest")(ingest_command)
app.command("report")(report_command)


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


@app.command()
def serve(
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    workers: int = typer.Option(
        1, min=1, max=64, help="server processes (more than one needs PostgreSQL)"
    ),
) -> None:
    """Serve the web app on the configured database (SOKHOE_DATABASE_URL)."""
    from sokhoe.web.server import SeveralWorkersNeedPostgres
    from sokhoe.web.server import serve as serve_web

    try:
        serve_web(host=host, port=port, workers=workers)
    except SeveralWorkersNeedPostgres as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@app.command()
def demo(
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
    people: int = typer.Option(50_000, min=100, help="residents of the synthetic province"),
) -> None:
    """Build a synthetic Khánh Hòa (first run only), print one login per role, and serve."""
    from sokhoe import demo as demo_service
    from sokhoe.config import get_settings
    from sokhoe.web.server import serve as serve_web

    settings = get_settings()
    database = runtime.open_database()
    if not demo_service.has_citizens(database):
        console.print(f"Tạo tỉnh Khánh Hòa mô phỏng: {vn_number(people)} người…")
        with progress_bars(console) as bars:
            demo_service.build_province(
                database, settings.home / "demo-data", people=people, progress=bars
            )
    logins = demo_service.demo_logins(database, settings.home / "demo-logins.json")
    table = Table("vai trò", "tên đăng nhập", "mật khẩu", "phạm vi", title="Tài khoản demo")
    for login in logins:
        table.add_row(login.role, login.username, login.password, login.scope)
    console.print(table)
    console.print(f"Mở http://127.0.0.1:{port} trong trình duyệt (Ctrl+C để dừng).")
    serve_web(host="127.0.0.1", port=port, database=database)


@app.command()
def load(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, help="export directory"),
    batch_size: int = typer.Option(50_000, min=1, help="rows per transaction"),
    lang: str = typer.Option("vi", help="language of messages: vi or en"),
    rejects: Path | None = typer.Option(None, help="write every rejected line to this CSV"),
) -> None:
    """Load register.csv, cards.csv, integrated.csv (and villages, facilities, guardians).

    Idempotent: loading twice gives the same state. Exit 0 when every line loaded, 1 when
    some lines were rejected (listed), 2 when a file is unusable (nothing of it written).
    """
    database = runtime.open_database()
    try:
        with progress_bars(console) as bars:
            reports = load_directory(database, directory, batch_size=batch_size, progress=bars)
    except FileRejected as exc:
        err_console.print(f"[red]{exc.problem.message(lang)}[/red]")
        raise typer.Exit(2) from None
    problems = [p for report in reports for p in report.problems]
    for report in reports:
        console.print(
            f"{report.filename}: {vn_number(report.rows_written)} dòng đã nạp, "
            f"{vn_number(len(report.problems))} dòng bị từ chối"
        )
    for problem in problems[:20]:
        err_console.print(problem.message(lang))
    if rejects is not None:
        write_problems(rejects, problems, lang)
    if problems:
        raise typer.Exit(1)


@app.command()
def synth(
    out: Path = typer.Option(..., file_okay=False, help="output directory"),
    province: int = typer.Option(56, help="province code (list: sokhoe provinces)"),
    people: int = typer.Option(50_000, min=1, help="number of residents"),
    seed: int = typer.Option(1, min=0, help="random seed; same options, same files"),
    integrated_share: float = typer.Option(
        0.6, min=0.0, max=1.0, help="share of e-ID card holders already integrated"
    ),
    error_rate: float = typer.Option(1.0, min=0.0, help="error-rate multiplier (0: clean)"),
    as_of: str = typer.Option("2026-03-01", help="reference date, YYYY-MM-DD"),
    his: bool = typer.Option(
        False, "--his", help="also write hospital files (QĐ 130 XML, FHIR) under OUT/his/"
    ),
    visit_rate: float = typer.Option(2.0, min=0.0, help="hospital visits per person and year"),
) -> None:
    """Write a synthetic province: register, BHXH card list, VNeID integrations, truth;
    with --his, the hospitals' visits, referrals, appointments and vaccinations."""
    from sokhoe.synth import InvalidOptions, SynthOptions, generate, parse_date

    try:
        units.province(province)
        when = parse_date(as_of)
        options = SynthOptions(
            province, people, seed, out, integrated_share, error_rate, when, his, visit_rate
        )
    except (units.UnknownProvince, InvalidOptions) as exc:
        err_console.print(f"Lỗi: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(2) from None
    with progress_bars(console) as bars:
        summary = generate(options, bars)
    rows = summary.rows
    console.print(
        f"{vn_number(rows['register.csv'])} người, {vn_number(summary.households)} hộ, "
        f"{vn_number(rows['cards.csv'])} dòng thẻ, "
        f"{vn_number(rows['integrated.csv'])} thẻ đã tích hợp, "
        f"{vn_number(rows['truth/errors.csv'])} lỗi đã chèn → {out}"
    )
    if his:
        console.print(
            f"{vn_number(rows['his/qd130'])} lượt khám trong hồ sơ QĐ 130, "
            f"{vn_number(rows['his/fhir'])} bundle FHIR → {out / 'his'}"
        )


@app.command()
def reconcile(
    register: Path = typer.Option(..., exists=True, dir_okay=False, help="register CSV"),
    cards: Path = typer.Option(..., exists=True, dir_okay=False, help="BHXH card list CSV"),
    integrated: Path = typer.Option(..., exists=True, dir_okay=False, help="VNeID CSV"),
    out: Path = typer.Option(..., file_okay=False, help="output directory (replaced at the end)"),
    engine: str = typer.Option("duckdb", help="duckdb or spark (SOKHOE_SPARK_MASTER)"),
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD (default: today)"),
    record: bool = typer.Option(
        False, "--record", help="keep the run in the database, for the web app's pages"
    ),
) -> None:
    """Cross-check register, card list and integrations: links, findings, worklists.

    Exit 0 when every input line was used, 1 when some were rejected (rejects.csv), 2 when
    an input is unusable or an option wrong (nothing written). With ``--record`` the run,
    finished or refused, is kept in the configured database with its inputs' SHA-256.
    """
    import datetime as dt

    from sokhoe.access.clock import utcnow
    from sokhoe.reconcile import ReconcileOptions, UnknownEngine, run
    from sokhoe.reconcile.runs import keep_command_line_run
    from sokhoe.synth import InvalidOptions, parse_date

    started = utcnow()
    try:
        when = dt.date.today() if as_of is None else parse_date(as_of)
        options = ReconcileOptions(register, cards, integrated, out, when, engine)
        with progress_bars(console) as bars:
            summary = run(options, bars)
    except FileRejected as exc:
        err_console.print(f"[red]{exc.problem.message()}[/red]")
        if record:
            error = {"vi": exc.problem.message("vi"), "en": exc.problem.message("en")}
            keep_command_line_run(
                runtime.open_database(), options, started_at=started, summary=None, error=error
            )
        raise typer.Exit(2) from None
    except (InvalidOptions, UnknownEngine) as exc:
        err_console.print(f"Lỗi: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(2) from None
    links = summary["links"]
    console.print(
        f"{vn_number(links['exact'])} thẻ khớp mã định danh, {vn_number(links['probable'])} "
        f"tìm được chủ thẻ, {vn_number(links['none'])} chưa tìm được → {out}"
    )
    table = Table("sai sót / tình trạng", "số thẻ")
    for code, count in summary["findings"].items():
        table.add_row(summary["labels"][code], vn_number(count))
    console.print(table)
    if record:
        run_id = keep_command_line_run(
            runtime.open_database(), options, started_at=started, summary=summary
        )
        console.print(f"Đã lưu lần đối soát số {run_id} vào cơ sở dữ liệu.")
    rejected = sum(source["rejected"] for source in summary["inputs"].values())
    if rejected:
        err_console.print(
            f"{vn_number(rejected)} dòng bị từ chối: xem {out / 'rejects.csv'}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
