"""Bad input: unusable files are refused whole and nothing is written; bad lines are listed
in rejects.csv with their line and the rest goes on; encodings are read or refused clearly."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from sokhoe.bulk.messages import FileRejected
from sokhoe.reconcile.inputs import CARDS, REGISTER
from tests.reconcile.conftest import (
    CARD,
    PERSON,
    Case,
    Result,
    reconcile,
    write_csv,
    write_inputs,
)

MISMATCH = {"full_name": "Nguyễn Hùng", "birth_date": "1985-07-03"}


def findings_of(result: Result) -> list[tuple[str, str, str]]:
    return [(f["line"], f["category"], f["detail"]) for f in result.findings]


def test_a_missing_column_is_refused_naming_file_and_column(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    columns = [c for c in REGISTER.columns if c != "sex"]
    write_csv(files / "register.csv", columns, [{c: PERSON[c] for c in columns}])
    with pytest.raises(FileRejected) as refused:
        reconcile(files, tmp_path / "out")
    message = refused.value.problem.message()
    assert "register.csv" in message and "'sex'" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    (files / "integrated.csv").write_bytes(b"")
    with pytest.raises(FileRejected, match=r"integrated\.csv"):
        reconcile(files, tmp_path / "out")


def rewrite(path: Path, encode: bool = True, bom: bool = False, crlf: bool = False) -> None:
    text = unicodedata.normalize("NFD", path.read_text(encoding="utf-8"))
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def test_bom_crlf_and_nfd_read_as_plain_utf8(tmp_path: Path, case: Case) -> None:
    clean = case(cards=[{}, MISMATCH])
    files = write_inputs(tmp_path / "odd", cards=[{}, MISMATCH])
    for name in ("register.csv", "cards.csv"):
        rewrite(files / name, bom=True, crlf=True)
    odd = reconcile(files, tmp_path / "odd-out")
    assert findings_of(odd) == findings_of(clean)
    assert odd.rejects == []


def windows_1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: letters with their vowel mark, tones as combining marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            shape = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tones))
            out += (shape + "".join(m for m in marks if m in tones)).encode("cp1258")
    return bytes(out)


def test_windows_1258_is_converted(tmp_path: Path, case: Case) -> None:
    clean = case(cards=[{}, MISMATCH])
    files = write_inputs(tmp_path / "legacy", cards=[{}, MISMATCH])
    for name in ("register.csv", "cards.csv"):
        path = files / name
        path.write_bytes(windows_1258(path.read_text(encoding="utf-8")))
    legacy = reconcile(files, tmp_path / "legacy-out")
    assert legacy.summary["inputs"]["cards"]["encoding"] == "windows-1258"
    assert findings_of(legacy) == findings_of(clean)
    assert any("“Nguyễn Văn Hùng”" in f["detail"] for f in legacy.findings)


@pytest.mark.parametrize(
    "content",
    ["Grüße aus Köln".encode("latin-1"), "người".encode("utf-16")],
    ids=["latin-1", "utf-16"],
)
def test_other_encodings_are_refused(tmp_path: Path, content: bytes) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    path = files / "cards.csv"
    path.write_bytes(",".join(CARDS.columns).encode() + b"\n" + content + b"\n")
    if content.startswith(b"\xff\xfe"):
        path.write_bytes(content)
    with pytest.raises(FileRejected) as refused:
        reconcile(files, tmp_path / "out")
    assert refused.value.problem.code == "not_utf8"
    assert "cards.csv" in refused.value.problem.message()


def line(values: dict[str, str], columns: tuple[str, ...]) -> str:
    return ",".join(values[c] for c in columns)


def test_bad_lines_are_rejected_with_their_line_and_the_rest_goes_on(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in")
    neighbour = {**PERSON, "person_id": "056190012345", "full_name": "Trần Thị Lan", "sex": "F"}
    register = [
        ",".join(REGISTER.columns),
        line(PERSON, REGISTER.columns),  # 2
        line({**PERSON, "person_id": "05608501234"}, REGISTER.columns),  # 3: 11 digits
        "",  # 4: blank
        line({**PERSON, "person_id": "056185000001", "birth_date": "1985-13-40"}, REGISTER.columns),
        "056085000002,Nguyễn Văn A,1985",  # 6: too few fields
        line({**PERSON, "person_id": "056085000003", "sex": "X"}, REGISTER.columns),  # 7
        line(PERSON, REGISTER.columns),  # 8: the same ID again
        line(neighbour, REGISTER.columns),  # 9
    ]
    latin = line({**PERSON, "person_id": "056085000004", "full_name": "NgXe"}, REGISTER.columns)
    broken = latin.encode().replace(b"NgXe", b"Ng\xe9")  # 10: a byte that is not UTF-8
    (files / "register.csv").write_bytes(("\n".join(register) + "\n").encode() + broken + b"\n")
    cards = [
        ",".join(CARDS.columns),
        line(CARD, CARDS.columns),  # 2
        line({**CARD, "valid_to": "2026-02-30"}, CARDS.columns),  # 3
        line({**CARD, "card_number": ""}, CARDS.columns),  # 4
        line({**CARD, "person_id": "056190012345", "full_name": "Trần Thị Lan", "sex": "F",
              "card_number": "HS4565600000009"}, CARDS.columns),  # 5
    ]  # fmt: skip
    (files / "cards.csv").write_text("\n".join(cards) + "\n", encoding="utf-8")
    (files / "integrated.csv").write_text(
        "person_id,card_number,integrated_at\n056085012345,DN4565600000001,hôm qua\n",
        encoding="utf-8",
    )
    result = reconcile(files, tmp_path / "out")
    rejected = {(r["file"], int(r["line"]), r["field"], r["code"]) for r in result.rejects}
    assert rejected == {
        ("register.csv", 3, "person_id", "bad_person_id"),
        ("register.csv", 5, "birth_date", "bad_date"),
        ("register.csv", 6, "", "wrong_field_count"),
        ("register.csv", 7, "sex", "bad_sex"),
        ("register.csv", 8, "person_id", "duplicate_person_id"),
        ("register.csv", 10, "", "not_utf8"),
        ("cards.csv", 3, "valid_to", "bad_date"),
        ("cards.csv", 4, "card_number", "required"),
        ("integrated.csv", 2, "integrated_at", "bad_datetime"),
    }
    messages = {int(r["line"]): r["message"] for r in result.rejects if r["file"] == "register.csv"}
    assert "dòng 8" in messages[8] and "dòng 2" in messages[8]
    assert "1985-13-40" in messages[5]
    assert result.links[2]["match"] == result.links[5]["match"] == "exact"
    assert result.summary["inputs"]["register"]["rows"] == 2
