"""The workbooks people act on: a worklist per commune, the list of fixes for BHXH.

A commune's workbook has one sheet per village (guidance teams and police go village by
village, door to door) after a sheet of counts; in a village people are in Vietnamese list
order, by given name, then family and middle name. BHXH's workbook has one sheet per kind of
data error. Rows are rendered as XML by the engine in that order (:mod:`.xlsx`) and arrive
as Arrow batches; Python only cuts them into sheets and zips them, workbooks compressing on
other cores (zlib releases the GIL) while the engine streams the next commune.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokhoe.reconcile import xlsx
from sokhoe.reconcile.categories import ACTORS, CATEGORIES, Worklist
from sokhoe.reconcile.rules import vn_date

if TYPE_CHECKING:
    from sokhoe.reconcile.engine import Engine

NO_COMMUNE = "khong-ro-xa"
NO_VILLAGE = "(chưa rõ thôn)"
_WRITERS = max(2, os.cpu_count() or 1)
_PEOPLE_COLUMNS = (
    xlsx.Column("STT", 6),
    xlsx.Column("Họ và tên", 26),
    xlsx.Column("Ngày sinh", 11),
    xlsx.Column("Giới tính", 9),
    xlsx.Column("Mã định danh", 15),
    xlsx.Column("Mã thẻ BHYT", 17),
    xlsx.Column("Tình trạng", 34),
    xlsx.Column("Việc cần làm", 60),
    xlsx.Column("Người thực hiện", 17),
)
_FIX_COLUMNS = (
    xlsx.Column("Dòng", 8),
    xlsx.Column("Mã thẻ BHYT", 17),
    xlsx.Column("Mã định danh", 15),
    xlsx.Column("Xã", 8),
    xlsx.Column("Chi tiết", 80),
    xlsx.Column("Đề xuất sửa", 60),
)
_SUMMARY = "Tổng hợp"


def write_worklists(engine: Engine, directory: Path) -> dict[str, int]:
    """``<commune_code>.xlsx`` per commune with something to do; returns counts."""
    directory.mkdir()
    shared = xlsx.SharedStrings()
    runs = _runs(engine.batches(_people_sql(engine, shared)), keys=2)
    people = communes = 0
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        pending: list[Future[None]] = []
        for commune, villages in itertools.groupby(runs, key=lambda run: run[0][0]):
            found = list(villages)
            names = xlsx.sheet_names([_SUMMARY, *(key[1] for key, _, _ in found)])
            counts = xlsx.Sheet(
                names[0],
                (xlsx.Column("Thôn", 30), xlsx.Column("Số người cần đến", 18)),
                [xlsx.text_row([key[1], rows]) for key, rows, _ in found],
                len(found),
            )
            sheets = [
                xlsx.Sheet(name, _PEOPLE_COLUMNS, [xlsx.numbered_rows(cells)], rows)
                for name, (_, rows, cells) in zip(names[1:], found, strict=True)
            ]
            path = directory / f"{commune}.xlsx"
            pending.append(pool.submit(xlsx.write_workbook, path, [counts, *sheets], shared.texts))
            if len(pending) > 2 * _WRITERS:  # bounds the memory held by waiting workbooks
                pending.pop(0).result()
            people += sum(rows for _, rows, _ in found)
            communes += 1
        for future in pending:
            future.result()
    return {"communes": communes, "rows": people}


def write_fixes(engine: Engine, path: Path) -> int:
    """BHXH's workbook; returns its number of rows."""
    d = engine.dialect
    cells = [
        xlsx.number_sql("line"),
        xlsx.cell_sql("card_number"),
        xlsx.cell_sql("person_id", plain=True),
        xlsx.cell_sql("commune_code"),
        xlsx.cell_sql("detail"),
        xlsx.cell_sql("suggested_fix"),
    ]
    sql = f"""SELECT category, {d.utf8(xlsx.row_sql(cells))} AS xml FROM findings
              WHERE worklist = '{Worklist.BHXH.value}'
              ORDER BY position, line, variant"""
    found = {key[0]: (rows, b"".join(xml)) for key, rows, xml in _runs(engine.batches(sql), keys=1)}
    bhxh = [c for c in CATEGORIES if c.worklist is Worklist.BHXH]
    present = [c for c in bhxh if c.code in found]
    names = xlsx.sheet_names([_SUMMARY, *(c.label for c in present)])
    counts = xlsx.Sheet(
        names[0],
        (xlsx.Column("Loại sai sót", 45), xlsx.Column("Số thẻ", 10)),
        [xlsx.text_row([c.label, found.get(c.code, (0, b""))[0]]) for c in bhxh],
        len(bhxh),
    )
    sheets = [
        xlsx.Sheet(name, _FIX_COLUMNS, [found[c.code][1]], found[c.code][0])
        for name, c in zip(names[1:], present, strict=True)
    ]
    xlsx.write_workbook(path, [counts, *sheets])
    return sum(rows for rows, _ in found.values())


def worklist_sql(engine: Engine) -> str:
    """Every worklist row as plain columns, in the workbooks' order: what the web pages page
    through (``worklist.csv``), without re-deriving names, dates or tasks."""
    return _listed_sql(
        engine,
        "reg_name AS full_name, reg_birth AS birth_date, reg_sex AS sex, person_id, "
        "card_number, category, variant, worklist",
    )


def _people_sql(engine: Engine, shared: xlsx.SharedStrings) -> str:
    """The worklists' rows as XML cells, ordered by commune, village and person; the
    numbering cell (STT) is added while writing, which saves the engine a second sort.
    A worklist category's fix has no placeholder: it is the task, the same for everyone."""
    d = engine.dialect
    listed = [c for c in CATEGORIES if c.worklist in (Worklist.COMMUNE, Worklist.POLICE)]
    tasks = {f"{c.code}:{variant}": text for c in listed for variant, text in c.fix.items()}
    cells = [
        xlsx.cell_sql("reg_name"),
        xlsx.cell_sql(vn_date("reg_birth"), plain=True),
        shared.choice_sql(d, "reg_sex", {"M": "Nam", "F": "Nữ"}),
        xlsx.cell_sql("person_id", plain=True),
        xlsx.cell_sql("card_number"),
        shared.choice_sql(d, "category", {c.code: c.label for c in listed}),
        shared.choice_sql(d, "category || ':' || variant", tasks),
        shared.choice_sql(d, "worklist", {w.value: actor for w, actor in ACTORS.items()}),
    ]
    return _listed_sql(engine, f"{d.utf8(' || '.join(cells))} AS xml")


def _listed_sql(engine: Engine, columns: str) -> str:
    """``commune``, ``village`` and ``columns`` of the findings someone in the commune acts
    on, by commune, village in natural order ("Thôn 2" before "Thôn 10", as the teams number
    them) and person in Vietnamese list order (given name, then family and middle name)."""
    d = engine.dialect
    prefix = d.extract("village", r"^(\D*)", 1)
    number = d.extract("village", r"(\d+)", 1)
    village_order = f"{prefix}, lpad({number}, 9, '0')"
    name_order = " || ' ' || ".join(
        f"coalesce({part}, '')" for part in ("reg_giv", "reg_fam", "reg_mid")
    )
    return f"""
        SELECT coalesce(commune_code, '{NO_COMMUNE}') AS commune,
               coalesce(village, '{NO_VILLAGE}') AS village, {columns}
        FROM findings
        WHERE worklist IN ('{Worklist.COMMUNE.value}', '{Worklist.POLICE.value}')
        ORDER BY commune, {village_order}, village, {name_order}, line"""


def _runs(batches: Iterable[Any], keys: int) -> Iterator[tuple[tuple[Any, ...], int, list[bytes]]]:
    """Runs of equal leading ``keys`` columns in Arrow batches sorted by them, each with
    its number of rows and the last column's values."""
    current: tuple[Any, ...] | None = None
    values: list[bytes] = []
    for batch in batches:
        row_keys = list(zip(*(batch.column(i).to_pylist() for i in range(keys)), strict=True))
        column = batch.column(keys).to_pylist()
        start = 0
        for i, key in enumerate(row_keys):
            if key != current:
                values.extend(column[start:i])
                if current is not None:
                    yield current, len(values), values
                current, values, start = key, [], i
        values.extend(column[start:])
    if current is not None:
        yield current, len(values), values
