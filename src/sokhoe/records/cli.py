"""``sokhoe ingest FILE…`` and ``sokhoe his-key …``: thin commands over the health book's
ingest (:mod:`~sokhoe.records.ingest_files`) and the HIS keys
(:mod:`~sokhoe.records.his_credentials`)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sokhoe import runtime
from sokhoe.db import unit_of_work
from sokhoe.records import his_credentials
from sokhoe.records.ingest import IngestReport, Status
from sokhoe.records.ingest_files import check_kind, ingest_files
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.web.formatting import vn_datetime, vn_number

his_key_app = typer.Typer(
    no_args_is_help=True, help="Khóa API của phần mềm bệnh viện (HIS) gửi hồ sơ khám chữa bệnh."
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: Problems printed before "… and N more" (``--rejects`` writes them all).
SHOWN_PROBLEMS = 20
#: Files listed one per row in the summary; more and only the total is shown.
SHOWN_FILES = 10

#: The summary's columns: what became of the records, in Vietnamese and English.
STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.CREATED: ("lưu mới", "stored new"),
    Status.UPDATED: ("cập nhật", "updated"),
    Status.UNCHANGED: ("không đổi", "unchanged"),
    Status.QUEUED: ("chờ xác định người", "sent to review"),
    Status.REFUSED: ("bị từ chối", "rejected"),
}
_TEXTS: dict[str, tuple[str, str]] = {
    "file": ("tệp", "file"),
    "files": ("{n} tệp", "{n} file(s)"),
    "total": ("tổng cộng", "total"),
    "more": ("… và {n} lỗi khác", "… and {n} more"),
    "rejects": ("danh sách đầy đủ: {path}", "full list: {path}"),
    "unusable": (
        "{n} tệp không dùng được, không lưu gì của tệp đó",
        "{n} file(s) unusable, nothing of them stored",
    ),
}


def _text(key: str, lang: str, **params: object) -> str:
    vi, en = _TEXTS[key]
    return (en if lang == "en" else vi).format(**params)


def ingest_command(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, help="QĐ 130 envelopes (.xml), FHIR (.json)"),
    ],
    facility: Annotated[
        str | None,
        typer.Option(help="only this facility's records (MA_CSKCB); FHIR records naming none"),
    ] = None,
    lang: Annotated[str, typer.Option(help="language of messages: vi or en")] = "vi",
    rejects: Annotated[
        Path | None, typer.Option(help="write every rejected record to this CSV")
    ] = None,
) -> None:
    """Store hospital records in the health book: QĐ 130 XML envelopes (XML1 visits, XML13
    referrals, XML14 re-exams) and FHIR R4 bundles.

    Idempotent: a record sent again is stored once, rewritten only if changed. Exit 0 when
    every record was kept (a record whose person cannot be identified yet goes to the review
    queue: kept, not rejected), 1 when some were rejected (listed), 2 when a file is unusable
    (not XML/JSON, unsafe XML, not a QĐ 130 envelope or FHIR bundle): nothing of that file is
    stored, the other files are.
    """
    for path in files:
        try:
            check_kind(path)
        except FileUnusable as exc:
            _error(exc.problem.message(lang))
            raise typer.Exit(2) from None
    database = runtime.open_database()
    with _file_bars(files, lang) as bar_for:
        reports, unusable = ingest_files(
            database.sessions, files, sender_facility=facility, reading=bar_for
        )
    _print_summary(reports, lang)
    problems = [p for report in reports.values() for p in report.problems]
    _print_problems(problems, rejects, lang)
    for problem in unusable:
        _error(problem.message(lang))
    if unusable:
        _error(_text("unusable", lang, n=len(unusable)))
        raise typer.Exit(2)
    if problems:
        raise typer.Exit(1)


@contextmanager
def _file_bars(
    files: list[Path], lang: str
) -> Iterator[Callable[[Path], AbstractContextManager[Callable[[int], None]]]]:
    """A bar of the bytes read of all files, and one of the file being read while it is
    (thousands of bars kept on screen would slow rich's redrawing to a crawl)."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    sizes = {path: path.stat().st_size for path in files}
    with Progress(*columns, console=console) as progress:
        overall = progress.add_task(_text("files", lang, n=len(files)), total=sum(sizes.values()))

        @contextmanager
        def bar_for(path: Path) -> Iterator[Callable[[int], None]]:
            task = progress.add_task(path.name, total=sizes[path])

            def advance(n: int) -> None:
                progress.advance(task, n)
                progress.advance(overall, n)

            try:
                yield advance
            finally:
                progress.remove_task(task)

        yield bar_for


def _error(text: str) -> None:
    err_console.print(text, style="red", soft_wrap=True, markup=False)


def _print_summary(reports: dict[str, IngestReport], lang: str) -> None:
    english = lang == "en"
    table = Table(_text("file", lang), *(label[english] for label in STATUS_LABELS.values()))
    total: Counter[Status] = Counter()
    for name, report in reports.items():
        total.update(report.counts)
        if len(reports) <= SHOWN_FILES:
            table.add_row(name, *(vn_number(report.counts[s]) for s in STATUS_LABELS))
    table.add_row(_text("total", lang), *(vn_number(total[s]) for s in STATUS_LABELS))
    console.print(table)


def _print_problems(problems: list[RecordProblem], rejects: Path | None, lang: str) -> None:
    for problem in problems[:SHOWN_PROBLEMS]:
        err_console.print(problem.message(lang), soft_wrap=True, markup=False)
    if len(problems) > SHOWN_PROBLEMS:
        err_console.print(_text("more", lang, n=vn_number(len(problems) - SHOWN_PROBLEMS)))
    if rejects is not None:
        write_rejects(rejects, problems, lang)
        if problems:
            err_console.print(_text("rejects", lang, path=rejects), markup=False)


def write_rejects(path: Path, problems: list[RecordProblem], lang: str = "vi") -> None:
    """CSV with file, record, field, code and message (UTF-8 with BOM, for Excel)."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "record", "field", "code", "message"])
        for p in problems:
            writer.writerow([p.source, p.record or "", p.field or "", p.code, p.message(lang)])


@his_key_app.command("issue")
def his_key_issue(
    facility: Annotated[str, typer.Argument(help="mã cơ sở KCB (MA_CSKCB)")],
    label: Annotated[str, typer.Option(help="tên gọi của khóa: phần mềm HIS, máy chủ")],
) -> None:
    """Issue a key for a facility's HIS; it is shown once, only its hash is kept."""
    database = runtime.open_database()
    try:
        with unit_of_work(database.sessions) as session:
            key = his_credentials.issue_key(session, facility, label)
    except his_credentials.UnknownFacility as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(key, soft_wrap=True, markup=False)
    err_console.print(
        f"Khóa HIS mới của cơ sở {facility}: lưu lại ngay, khóa sẽ không hiển thị lần nữa. "
        "Gửi kèm mỗi yêu cầu: Authorization: Bearer <khóa>.",
        markup=False,
    )


@his_key_app.command("list")
def his_key_list(
    facility: Annotated[str | None, typer.Argument(help="chỉ khóa của cơ sở này")] = None,
) -> None:
    """List the keys issued (never their secret) and whether they are revoked."""
    database = runtime.open_database()
    with unit_of_work(database.sessions) as session:
        keys = his_credentials.list_keys(session, facility)
    table = Table("số", "cơ sở KCB", "tên gọi", "cấp lúc", "thu hồi lúc")
    for key in keys:
        revoked = vn_datetime(key.revoked_at) if key.revoked_at else "—"
        table.add_row(
            str(key.id), key.facility_code, key.label, vn_datetime(key.created_at), revoked
        )
    console.print(table)


@his_key_app.command("revoke")
def his_key_revoke(
    key_id: Annotated[int, typer.Argument(help="số của khóa (his-key list)")],
) -> None:
    """Revoke a key: refused from now on. Exit 1 if it is unknown or already revoked."""
    database = runtime.open_database()
    with unit_of_work(database.sessions) as session:
        revoked = his_credentials.revoke_key(session, key_id)
    if not revoked:
        err_console.print(f"[red]Không có khóa HIS số {key_id} còn hiệu lực.[/red]")
        raise typer.Exit(1)
    console.print(f"Đã thu hồi khóa HIS số {key_id}.")
