"""`sokhoe load`: files into the database, idempotently, bad lines reported, good ones kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.bulk.messages import FileRejected
from sokhoe.cli import app
from sokhoe.dataset import load_directory
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, GuardianLink, Village
from sokhoe.runtime import Database, open_database

NHA_TRANG = 22366
BAC_NHA_TRANG = 22333

REGISTER = f"""person_id,full_name,birth_date,sex,commune_code,village,level2_eid,household_id,phone
056085000001,Nguyễn Văn An,1985-03-09,M,{NHA_TRANG},Tổ dân phố 1,1,H1,0905123456
056190000002,Trần Thị Bình,1990-11,F,{NHA_TRANG},Tổ dân phố 1,1,H1,
056215000003,Nguyễn Minh Châu,2015-06-01,M,{NHA_TRANG},Tổ dân phố 1,0,H1,
056148000004,Lê Thị Dung,1948,F,{BAC_NHA_TRANG},Tổ dân phố 7,0,H2,
"""
CARDS = f"""card_number,person_id,full_name,birth_date,sex,commune_code,valid_from,valid_to,facility_code
DN4565600000001,056085000001,Nguyen Van An,1985-03-09,M,{NHA_TRANG},2026-01-01,2026-12-31,56001
GD4565600000002,,Trần Thị Bình,1990-11-01,F,{NHA_TRANG},2026-01-01,2026-12-31,56001
TE1565600000003,056215000003,Nguyễn Minh Châu,2015-06-01,M,{NHA_TRANG},2021-06-01,2021-05-31,56001
HT3565600000004,056148000004,Lê Thị Dung,1948,F,{BAC_NHA_TRANG},2026-01-01,2026-12-31,56002
"""
INTEGRATED = """person_id,card_number,integrated_at
056085000001,DN4565600000001,2026-02-03T10:15:00
"""
GUARDIANS = """child_id,guardian_id,relation
056215000003,056085000001,cha
"""


def write_export(directory: Path, **overrides: str) -> Path:
    files = {
        "register.csv": REGISTER,
        "cards.csv": CARDS,
        "integrated.csv": INTEGRATED,
        "guardians.csv": GUARDIANS,
        **{f"{name}.csv": body for name, body in overrides.items()},
    }
    directory.mkdir(exist_ok=True)
    for name, body in files.items():
        (directory / name).write_text(body, encoding="utf-8")
    return directory


@pytest.fixture
def database(database_url: str) -> Database:
    return open_database(database_url)


def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    tables = ["citizen", "village", "guardian_link", "insurance_card", "wallet_integration"]
    with database.engine.connect() as connection:
        return {
            t: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {t}"))), key=repr)
            for t in tables
        }


def test_an_export_loads_and_reloading_changes_nothing(database: Database, tmp_path: Path) -> None:
    directory = write_export(tmp_path / "export")
    reports = load_directory(database, directory, batch_size=2)
    assert all(not r.problems for r in reports)
    first = snapshot(database)
    load_directory(database, directory, batch_size=3)
    assert snapshot(database) == first

    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 4
        binh = session.get(Citizen, "056190000002")
        assert binh is not None
        assert (binh.birth_date, binh.birth_precision) == (dt.date(1990, 11, 1), "month")
        dung = session.get(Citizen, "056148000004")
        assert dung is not None and dung.birth_precision == "year"
        village = session.get(Village, binh.village_id)
        assert village is not None and (village.commune_code, village.name) == (
            NHA_TRANG,
            "Tổ dân phố 1",
        )
        no_id = session.scalars(select(InsuranceCard).where(InsuranceCard.person_id.is_(None)))
        assert [c.bhxh_number for c in no_id] == ["5600000002"]
        assert session.scalar(select(func.count()).select_from(WalletIntegration)) == 1
        assert session.scalar(select(func.count()).select_from(GuardianLink)) == 1


def test_a_changed_row_updates_in_place(database: Database, tmp_path: Path) -> None:
    load_directory(database, write_export(tmp_path / "a"))
    changed = REGISTER.replace("Nguyễn Văn An,1985-03-09,M", "Nguyễn Văn Ân,1985-03-09,M")
    load_directory(database, write_export(tmp_path / "b", register=changed))
    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 4
        an = session.get(Citizen, "056085000001")
        assert an is not None and an.full_name == "Nguyễn Văn Ân"


def test_bad_lines_are_named_and_good_lines_still_load(database: Database, tmp_path: Path) -> None:
    bad = REGISTER + (
        f"05608500001,Sai Mã,1985-01-01,M,{NHA_TRANG},Tổ dân phố 1,1,H9,\n"  # line 6: 11 digits
        f"056085000009,Sai Ngày,1985-02-30,M,{NHA_TRANG},Tổ dân phố 1,1,H9,\n"  # line 7
        "056085000010,Sai Xã,1985-02-03,M,99999,Thôn 1,1,H9,\n"  # line 8
        "056085000011,Thiếu cột,1985-02-03,M\n"  # line 9
    )
    guardians = GUARDIANS + "056215000003,056000000000,mẹ\n"
    reports = load_directory(
        database, write_export(tmp_path / "export", register=bad, guardians=guardians)
    )
    by_file = {r.filename: r for r in reports}
    register = by_file["register.csv"]
    assert register.rows_written == 4
    messages = [p.message() for p in register.problems]
    assert messages == [
        "register.csv, dòng 6, cột person_id: mã định danh phải gồm 12 chữ số "
        "(nhận được '05608500001')",
        "register.csv, dòng 7, cột birth_date: ngày '1985-02-30' không hợp lệ "
        "(dạng YYYY-MM-DD, YYYY-MM hoặc YYYY)",
        "register.csv, dòng 8, cột commune_code: mã xã/phường '99999' không có trong danh mục "
        "đơn vị hành chính",
        "register.csv, dòng 9: dòng có 4 cột, tiêu đề có 9 cột",
    ]
    assert (
        register.problems[0]
        .message("en")
        .startswith("register.csv, line 6, field person_id: a personal ID has 12 digits")
    )
    guardian_problems = by_file["guardians.csv"].problems
    assert [(p.line, p.field, p.code) for p in guardian_problems] == [
        (3, "guardian_id", "unknown_person")
    ]


def test_a_missing_column_rejects_the_file_before_writing(
    database: Database, tmp_path: Path
) -> None:
    no_sex = REGISTER.replace(",sex,", ",gender,")
    with pytest.raises(FileRejected) as caught:
        load_directory(database, write_export(tmp_path / "export", register=no_sex))
    assert caught.value.problem.message() == (
        "register.csv, dòng 1, cột sex: thiếu cột bắt buộc 'sex'"
    )
    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 0


def test_byte_order_mark_and_windows_line_ends_are_read(database: Database, tmp_path: Path) -> None:
    directory = write_export(tmp_path / "export")
    body = "\ufeff" + REGISTER.replace("\n", "\r\n")
    (directory / "register.csv").write_bytes(body.encode("utf-8"))
    reports = load_directory(database, directory)
    assert not reports[0].problems
    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 4


def test_a_line_that_is_not_utf8_is_rejected_alone(database: Database, tmp_path: Path) -> None:
    directory = write_export(tmp_path / "export")
    extra = f"056085000012,Nguy\xean V\u0103n,1985-02-03,M,{NHA_TRANG},T,1,H9,\n"
    (directory / "register.csv").write_bytes(REGISTER.encode("utf-8") + extra.encode("cp1258"))
    reports = load_directory(database, directory)
    register = next(r for r in reports if r.filename == "register.csv")
    assert [(p.line, p.code) for p in register.problems] == [(6, "not_utf8")]
    assert register.rows_written == 4


def test_cli_exit_codes(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    runner = CliRunner()
    good = write_export(tmp_path / "good")
    assert runner.invoke(app, ["load", str(good)]).exit_code == 0

    bad = write_export(tmp_path / "bad", cards=CARDS + "XX12,,Ai Đó,,,,,,\n")
    result = runner.invoke(app, ["load", str(bad), "--rejects", str(tmp_path / "rejects.csv")])
    assert result.exit_code == 1
    rejects = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "cards.csv,6,card_number,bad_card_number" in rejects

    (good / "cards.csv").unlink()
    result = runner.invoke(app, ["load", str(good), "--lang", "en"])
    assert result.exit_code == 2
    assert "cards.csv" in result.output


def test_villages_file_and_register_share_village_ids(database: Database, tmp_path: Path) -> None:
    villages = f"commune_code,village\n{NHA_TRANG},Tổ dân phố 1\n{NHA_TRANG},Tổ dân phố 2\n"
    reports = load_directory(database, write_export(tmp_path / "export", villages=villages))
    assert all(not r.problems for r in reports)
    with Session(database.engine) as session:
        names = session.scalars(select(Village.name).where(Village.commune_code == NHA_TRANG))
        assert sorted(names) == ["Tổ dân phố 1", "Tổ dân phố 2"]


def test_a_bad_header_in_any_file_rejects_before_anything_is_written(
    database: Database, tmp_path: Path
) -> None:
    no_number = CARDS.replace("card_number,", "so_the,", 1)
    with pytest.raises(FileRejected) as caught:
        load_directory(database, write_export(tmp_path / "export", cards=no_number))
    assert (caught.value.problem.file, caught.value.problem.field) == ("cards.csv", "card_number")
    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 0


def test_a_failing_file_stops_the_load_and_is_raised(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sokhoe.dataset

    real = sokhoe.dataset.run_import

    def failing(engine: object, spec: object, path: Path, **options: object) -> object:
        if path.name == "cards.csv":
            raise RuntimeError("disk full")
        return real(engine, spec, path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(sokhoe.dataset, "run_import", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        load_directory(database, write_export(tmp_path / "export"), batch_size=1)


@pytest.mark.parametrize("batch_size", [1, 2, 50])
def test_within_a_file_the_last_row_of_a_key_wins(
    database: Database, tmp_path: Path, batch_size: int
) -> None:
    """Whether the repeats fall in one batch or in several, and whether the table was empty
    (PostgreSQL copies a first load straight in) or not."""
    twice = REGISTER + REGISTER.splitlines()[1].replace("Nguyễn Văn An", "Nguyễn Văn Ẩn") + "\n"
    for _ in range(2):
        load_directory(
            database, write_export(tmp_path / "export", register=twice), batch_size=batch_size
        )
        with Session(database.engine) as session:
            assert session.scalar(select(func.count()).select_from(Citizen)) == 4
            an = session.get(Citizen, "056085000001")
            assert an is not None and an.full_name == "Nguyễn Văn Ẩn"
