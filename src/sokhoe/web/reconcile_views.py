"""``/doi-soat``: reconciliation in the web app (R8, R9).

The province's BHXH and Department of Health officers start runs (three uploaded files, or
the data already in the system), follow their progress and read the summary; they download
the workbooks and files. A commune officer reads her commune's worklist from the latest
finished run. Run records are aggregates; every file or list naming people is read through
:mod:`sokhoe.reconcile.runs`, which audits it. Run ids and commune codes are the only
identifiers in these URLs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.reconcile import runs
from sokhoe.reconcile.categories import CATEGORIES
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import ReconcileRun, RunSource, RunStatus
from sokhoe.reconcile.run_files import UploadTooLarge, WorklistRow
from sokhoe.reconcile.service import ENGINES
from sokhoe.reconcile.worklists import NO_COMMUNE, NO_VILLAGE
from sokhoe.registry import service as registry_service
from sokhoe.registry.dates import InvalidDate, format_partial_date, parse_partial_date
from sokhoe.web import reconcile_report
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.paging import Page, page_number, page_window
from sokhoe.web.state import web_state
from sokhoe.web.templating import render

PATH = "/doi-soat"
COMMUNE_WORKLIST_PATH = f"{PATH}/danh-sach-xa"
RUNS_PER_PAGE = 20
PEOPLE_PER_PAGE = 50
#: Room for the form's other fields and the multipart framing around the three files.
_FORM_OVERHEAD = 1 << 20

router = APIRouter()
RunOfficer = Annotated[Actor, Depends(require_roles(Role.BHXH_OFFICER, Role.HEALTH_DEPARTMENT))]
WorklistReader = Annotated[
    Actor,
    Depends(require_roles(Role.BHXH_OFFICER, Role.HEALTH_DEPARTMENT, Role.COMMUNE_OFFICER)),
]
CommuneOfficer = Annotated[Actor, Depends(require_roles(Role.COMMUNE_OFFICER))]


def N_(message: str) -> str:
    """Marks an English msgid for extraction; the template translates it when shown."""
    return message


class UploadRefused(Exception):
    """The start form cannot be used as sent; ``message`` is an English msgid with params."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def upload_limit(request: Request) -> None:
    """Refuses (413) a body larger than three files at the limit before any of it is read;
    each file is checked again while it is saved."""
    declared = request.headers.get("content-length", "")
    limit = 3 * web_state(request).settings.upload_max_bytes + _FORM_OVERHEAD
    if not declared.isdigit():
        raise HTTPException(411)
    if int(declared) > limit:
        raise HTTPException(413)


async def start_form(request: Request) -> FormData:
    """The multipart form, parsed by Starlette: files spooled to temporary files on disk
    (1 MiB in memory at most), already read once by the CSRF check."""
    return await request.form()


@router.get(PATH)
def run_list(request: Request, session: SessionDep, actor: RunOfficer) -> Response:
    return _run_list(request, session, actor)


@router.post(PATH)
def start_run(
    request: Request,
    session: SessionDep,
    actor: RunOfficer,
    _limit: Annotated[None, Depends(upload_limit)],
    _: CsrfChecked,
    form: Annotated[FormData, Depends(start_form)],
) -> Response:
    state = web_state(request)
    try:
        record = _start(session, actor, form, state.settings.home, state.settings.upload_max_bytes)
    except UploadRefused as refused:
        session.rollback()
        return _run_list(request, session, actor, refused=refused, status_code=400)
    worker = request.app.state.reconcile_worker
    return RedirectResponse(
        f"{PATH}/{record.id}", status_code=303, background=BackgroundTask(worker.wake)
    )


def _start(session: Session, actor: Actor, form: FormData, home: Path, limit: int) -> ReconcileRun:
    source = RunSource.DATABASE if form.get("source") == "database" else RunSource.UPLOAD
    engine = str(form.get("engine") or "duckdb")
    if engine not in ENGINES:
        raise UploadRefused(N_("Choose a processing engine from the list."))
    as_of = _date(form.get("as_of"))
    uploads: dict[str, UploadFile] = {}
    if source is RunSource.UPLOAD:
        for contract in CONTRACTS:
            given = form.get(contract.role)
            if not isinstance(given, UploadFile) or not given.filename or not given.size:
                raise UploadRefused(N_("Choose the file %(file)s."), file=f"{contract.role}.csv")
            uploads[contract.role] = given
    record = runs.start(session, actor, home=home, source=source, as_of=as_of, engine=engine)
    try:
        for role, upload in uploads.items():
            runs.add_upload(
                session,
                record,
                role=role,
                file_name=upload.filename or role,
                data=upload.file,
                limit=limit,
            )
    except UploadTooLarge:
        shutil.rmtree(record.directory, ignore_errors=True)
        raise UploadRefused(
            N_("The file %(file)s is larger than %(limit)s MB."),
            file=upload.filename,
            limit=limit // (1 << 20),
        ) from None
    return record


def _date(value: object) -> dt.date:
    if not isinstance(value, str) or not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UploadRefused(N_("The reference date is not a valid date.")) from None


def _run_list(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    refused: UploadRefused | None = None,
    status_code: int = 200,
) -> Response:
    number = page_number(request)
    items, total = runs.list_runs(
        session, actor, offset=(number - 1) * RUNS_PER_PAGE, limit=RUNS_PER_PAGE
    )
    context = {
        "runs": Page(items, number, RUNS_PER_PAGE, total),
        "contracts": CONTRACTS,
        "engines": list(ENGINES),
        "today": dt.date.today(),
        "refused": refused,
        "limit_mb": web_state(request).settings.upload_max_bytes // (1 << 20),
    }
    return render(request, "reconcile/runs.html", context, status_code=status_code)


@router.get(PATH + "/{run_id:int}")
def run_page(request: Request, session: SessionDep, actor: RunOfficer, run_id: int) -> Response:
    record = runs.get_run(session, actor, run_id)
    context: dict[str, object] = {"run": record, "inputs": runs.inputs_of(session, record)}
    if record.status == RunStatus.DONE:
        assert record.province_code is not None  # get_run gives only runs of a province
        names = registry_service.commune_names(session, record.province_code)
        lines = reconcile_report.commune_lines(
            runs.counts_of(session, record), names, unknown=NO_COMMUNE
        )
        context |= {
            "lines": lines,
            "chart": reconcile_report.chart(lines),
            "statuses": reconcile_report.STATUSES,
            "bhxh_categories": reconcile_report.BHXH_CATEGORIES,
            "categories": CATEGORIES,
            "downloads": list(runs.DOWNLOADS),
            "no_commune": NO_COMMUNE,
        }
    return render(request, "reconcile/run.html", context)


@router.get(PATH + "/{run_id:int}/tep/{name}")
def download(session: SessionDep, actor: RunOfficer, run_id: int, name: str) -> Response:
    record = runs.get_run(session, actor, run_id)
    path = runs.province_output(session, actor, record, name)
    return _file(path, f"doi-soat-{run_id}-{name}")


@router.get(PATH + "/{run_id:int}/xa/{commune_code:int}")
def commune_page(
    request: Request, session: SessionDep, actor: WorklistReader, run_id: int, commune_code: int
) -> Response:
    found = runs.commune_run(session, actor, run_id=run_id, commune_code=commune_code)
    assert found is not None  # a given run id either is found or refused
    return _worklist_page(request, session, actor, found)


@router.get(COMMUNE_WORKLIST_PATH)
def my_commune_page(request: Request, session: SessionDep, actor: CommuneOfficer) -> Response:
    """The commune officer's worklist from her province's latest finished run."""
    assert actor.commune_code is not None  # the role's scope requires it
    found = runs.commune_run(session, actor, run_id=None, commune_code=actor.commune_code)
    if found is None:
        commune = registry_service.get_commune(session, actor.commune_code)
        return render(request, "reconcile/worklist.html", {"found": None, "commune": commune})
    return _worklist_page(request, session, actor, found)


def _worklist_page(
    request: Request, session: SessionDep, actor: Actor, found: runs.CommuneRun
) -> Response:
    number = page_number(request)
    chunk = runs.worklist(
        session, actor, found, offset=(number - 1) * PEOPLE_PER_PAGE, limit=PEOPLE_PER_PAGE
    )
    if not chunk.rows and chunk.total:  # past the end: the last page
        number, offset = page_window(request, total=chunk.total, size=PEOPLE_PER_PAGE)
        chunk = runs.worklist(session, actor, found, offset=offset, limit=PEOPLE_PER_PAGE)
    people = Page(chunk.rows, number, PEOPLE_PER_PAGE, chunk.total)
    context = {
        "found": found,
        "people": people,
        "villages": chunk.villages,
        "groups": village_groups(people, dict(chunk.villages)),
        "no_village": NO_VILLAGE,
        "birth": birth_text,
    }
    return render(request, "reconcile/worklist.html", context)


@router.get(PATH + "/{run_id:int}/xa/{commune_code:int}/danh-sach.xlsx")
def commune_workbook(
    session: SessionDep, actor: WorklistReader, run_id: int, commune_code: int
) -> Response:
    found = runs.commune_run(session, actor, run_id=run_id, commune_code=commune_code)
    assert found is not None
    path = runs.worklist_workbook(session, actor, found)
    if path is None:
        raise AccessDenied()
    return _file(path, f"danh-sach-{commune_code}-doi-soat-{run_id}.xlsx")


@dataclass(frozen=True)
class VillageGroup:
    """The people of one village on a page of the worklist."""

    name: str
    unknown: bool
    #: Position of the group's first person in the whole list (numbering goes on).
    first: int
    #: People of the village in the whole list.
    total: int
    people: list[WorklistRow]


def village_groups(page: Page[WorklistRow], totals: dict[str, int]) -> list[VillageGroup]:
    """The page's people cut into runs of one village, in list order."""
    groups: list[VillageGroup] = []
    for position, row in enumerate(page.items, start=page.first_row):
        if not groups or groups[-1].name != row.village:
            groups.append(
                VillageGroup(row.village, row.without_village, position, totals[row.village], [])
            )
        groups[-1].people.append(row)
    return groups


def birth_text(value: str) -> str:
    """A register birth date (YYYY-MM-DD, YYYY-MM or YYYY) the Vietnamese way."""
    try:
        return format_partial_date(*parse_partial_date(value))
    except InvalidDate:
        return value


def _file(path: Path, name: str) -> Response:
    """A download; the security headers add ``Cache-Control: no-store``."""
    return FileResponse(path, filename=name)
