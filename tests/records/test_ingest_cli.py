"""``sokhoe ingest FILE…`` on the configured database, both backends: real envelopes and
bundles in, exit 0 all kept / 1 some rejected / 2 a file unusable (nothing of it stored),
the same file twice stored once, and the synthetic province's hospital files round trip."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.models import AuditEntry
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.dataset import load_directory
from sokhoe.db import Base, session_factory
from sokhoe.records import models
from sokhoe.records.his_credentials import find_key
from sokhoe.records.ingest import FROM_COMMAND_LINE, Status
from sokhoe.records.ingest_files import ingest_files
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from sokhoe.synth import SynthOptions, generate
from tests.records.test_qd130 import b64, envelope, filehoso, hoso, visit_file

runner = CliRunner()
NHA_TRANG = 22366
TRANSACTION = Path(__file__).parent / "fhir_files" / "transaction.json"


@pytest.fixture(autouse=True)
def configured(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    monkeypatch.setenv("SOKHOE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def place(session: Session) -> None:
    """The facilities of the envelopes and bundle, and the people they name."""
    ensure_province(session, 56)
    session.add_all(
        [
            Facility(code="56001", name="BVĐK tỉnh", commune_code=NHA_TRANG, kind="benh_vien"),
            Facility(code="56012", name="TTYT Cam Lâm", commune_code=NHA_TRANG, kind="ttyt"),
            Citizen(
                person_id="056190001234", full_name="Nguyễn Thị Hồng Nhung", commune_code=NHA_TRANG
            ),
            Citizen(
                person_id="056190004321", full_name="Trần Thị Hồng Nhung", commune_code=NHA_TRANG
            ),
        ]
    )
    session.commit()


def count(session: Session, model: type[Base]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def ingest(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *map(str, args)])
    return result.exit_code, result.output


GOOD = visit_file()
#: A visit whose main diagnosis is no ICD-10 code: rejected, the rest stored.
BAD = visit_file(MA_LK="2503100002", MA_BENH_CHINH="U99.9")


@pytest.mark.usefixtures("place")
def test_good_records_are_stored_once_and_bad_ones_reported(
    session: Session, tmp_path: Path
) -> None:
    xml = write(tmp_path / "56001-202503.xml", envelope(GOOD, BAD))
    rejects = tmp_path / "rejects.csv"
    code, output = ingest(xml, "--rejects", rejects)
    assert code == 1, output
    assert "MA_LK 2503100002, trường MA_BENH_CHINH: mã bệnh 'U99.9' không có trong ICD-10" in output
    assert "lưu mới" in output
    assert count(session, models.Visit) == 1
    with rejects.open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["record"], r["field"], r["code"]) for r in rows] == [
        ("MA_LK 2503100002", "MA_BENH_CHINH", "unknown_icd10")
    ]

    code, output = ingest(xml, "--lang", "en")  # the same file again
    assert code == 1
    assert "diagnosis code 'U99.9' is not in ICD-10" in output
    assert "unchanged" in output
    assert count(session, models.Visit) == 1
    # Each run audited its batch, from the command line, without a personal ID.
    details = session.scalars(select(AuditEntry.detail)).all()
    assert sum(FROM_COMMAND_LINE in d for d in details) == 2
    assert not any("056190001234" in d for d in details)


@pytest.mark.usefixtures("place")
def test_every_record_stored_exits_0_for_xml_and_json(session: Session, tmp_path: Path) -> None:
    xml = write(tmp_path / "a.xml", envelope(GOOD))
    code, output = ingest(xml, TRANSACTION, "--facility", "56012")
    # --facility: the envelope's visit is 56001's, not the sender's
    assert code == 1 and "không phải của cơ sở gửi" in output
    code, output = ingest(xml, TRANSACTION)
    assert code == 0, output
    assert count(session, models.Visit) == 2
    assert count(session, models.Immunization) == 1


@pytest.mark.usefixtures("place")
def test_an_unusable_file_exits_2_naming_it_and_stores_nothing_of_it(
    session: Session, tmp_path: Path
) -> None:
    other = write(tmp_path / "notes.txt", b"hello")
    code, output = ingest(other)
    assert code == 2 and "notes.txt: tệp không phải XML hay JSON" in output

    # Truncated after a good visit: found unusable only at the end, the visit is not kept.
    truncated = write(tmp_path / "cut.xml", envelope(GOOD, BAD)[:-60])
    json_file = write(tmp_path / "oops.json", b"<GIAMDINHHS/>")
    good = write(tmp_path / "good.xml", envelope(visit_file(MA_LK="2503100009")))
    code, output = ingest(truncated, json_file, good)
    assert code == 2
    assert "cut.xml: XML hỏng" in output
    assert "oops.json: tệp không phải XML hay JSON" in output
    assert count(session, models.Visit) == 1  # good.xml's only
    assert session.scalars(select(models.Visit.key)).one() == "2503100009"


@pytest.mark.usefixtures("place")
def test_small_files_share_a_transaction_each_reported_and_audited_as_its_own(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    """With batches of two: the two small envelopes go together, the bundle (more records
    than a batch) alone, the unusable file between them takes nothing with it."""
    one = write(tmp_path / "one.xml", envelope(visit_file(MA_LK="2503100007")))
    two = write(tmp_path / "two.xml", envelope(GOOD, BAD))
    cut = write(tmp_path / "cut.xml", envelope(GOOD)[:-60])
    paths = [one, cut, two, TRANSACTION]
    read: list[Path] = []

    @contextmanager
    def reading(path: Path) -> Iterator[Callable[[int], None]]:
        read.append(path)
        yield lambda _n: None

    reports, unusable = ingest_files(session_factory(engine), paths, reading=reading, batch_size=2)
    assert read == paths
    assert [p.record for p in unusable] == [None] and unusable[0].source == str(cut)
    assert {name: dict(report.counts) for name, report in reports.items()} == {
        str(one): {Status.CREATED: 1},
        str(two): {Status.CREATED: 1, Status.REFUSED: 1},
        str(TRANSACTION): {Status.CREATED: 4},
    }
    assert [p.source for p in reports[str(two)].problems] == [str(two)]
    details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert details == [
        "cơ sở 56001: 1 mới; từ dòng lệnh",
        "cơ sở 56001: 1 mới; từ dòng lệnh",
        "cơ sở 56012: 4 mới; từ dòng lệnh",
    ]


@pytest.mark.usefixtures("place")
def test_a_bomb_deep_in_an_envelope_stores_none_of_its_visits(
    session: Session, tmp_path: Path
) -> None:
    bomb = b64('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><TONG_HOP>&a;</TONG_HOP>')
    xml = write(tmp_path / "bomb.xml", envelope(GOOD, hoso(filehoso("XML1", bomb))))
    code, output = ingest(xml)
    assert code == 2 and "DTD" in output
    assert count(session, models.Visit) == 0


@pytest.mark.usefixtures("place")
def test_a_transaction_bundle_with_a_bad_entry_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    bundle = json.loads(TRANSACTION.read_text(encoding="utf-8"))
    bundle["entry"][6]["resource"]["occurrenceDateTime"] = "2024-13-45"
    path = write(tmp_path / "bad.json", json.dumps(bundle).encode())
    code, output = ingest(path)
    assert code == 1
    assert "Bundle.entry[6]" in output
    assert count(session, models.Visit) == 0 and count(session, models.Immunization) == 0


# --- the synthetic province's hospital files --------------------------------------------------


@pytest.fixture(scope="module")
def province_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    options = SynthOptions(
        56, 300, 3, out, error_rate=4.0, as_of=dt.date(2026, 3, 1), his=True, visit_rate=0.6
    )
    generate(options)
    return out


def test_synth_his_files_round_trip_with_the_injected_errors_reported(
    province_files: Path, engine: Engine, tmp_path: Path
) -> None:
    load_directory(Database(engine=engine, sessions=session_factory(engine)), province_files)
    files = sorted((province_files / "his").rglob("*.xml")) + sorted(
        (province_files / "his").rglob("*.json")
    )
    rejects = tmp_path / "rejects.csv"
    code, output = ingest(*files, "--rejects", rejects)
    with (province_files / "truth" / "his_errors.csv").open(encoding="utf-8") as stream:
        injected = list(csv.DictReader(stream))
    with rejects.open(encoding="utf-8-sig") as stream:
        reported = list(csv.DictReader(stream))
    assert injected and code == 1, output
    for fault in injected:
        # A QĐ 130 visit is named by MA_LK; a FHIR file holds one visit, named by entry.
        source, key = str(province_files / fault["file"]), fault["key"]
        records = {r["record"] for r in reported if r["file"] == source}
        assert f"MA_LK {key}" in records if fault["format"] == "qd130" else records, fault
    # Nothing but the injected faults is rejected; everything else is kept.
    assert {r["file"] for r in reported} == {str(province_files / f["file"]) for f in injected}
    with session_factory(engine)() as session:
        kept = sum(
            count(session, model)
            for model in (
                models.Visit,
                models.Referral,
                models.Appointment,
                models.Immunization,
                models.UnidentifiedRecord,
            )
        )
    assert kept > 20 * len(reported), (kept, len(reported))


@pytest.mark.usefixtures("place")
def test_a_his_key_is_shown_once_listed_without_its_secret_and_revoked(session: Session) -> None:
    issued = runner.invoke(app, ["his-key", "issue", "56012", "--label", "VNPT-HIS máy chủ 1"])
    assert issued.exit_code == 0, issued.output
    [key] = re.findall(r"skh_[A-Za-z0-9_-]{43}", issued.output)
    found = find_key(session, key)
    assert found is not None and found.facility_code == "56012"

    listed = runner.invoke(app, ["his-key", "list", "56012"])
    assert listed.exit_code == 0 and "VNPT-HIS máy chủ 1" in listed.output
    assert key not in listed.output and key[4:20] not in listed.output
    assert "VNPT" not in runner.invoke(app, ["his-key", "list", "56001"]).output

    assert runner.invoke(app, ["his-key", "revoke", str(found.id)]).exit_code == 0
    session.expire_all()
    assert find_key(session, key) is None
    assert runner.invoke(app, ["his-key", "revoke", str(found.id)]).exit_code == 1
    unknown = runner.invoke(app, ["his-key", "issue", "99999", "--label", "x"])
    assert unknown.exit_code == 2 and "99999" in unknown.output
