"""Reading one record of a QĐ 130 table (``XML1``, ``XML13``, ``XML14``): each field as
the official appendix of QĐ 4750 defines it, and each thing wrong with it as a
:class:`~sokhoe.records.problems.RecordProblem` naming the record and the tag.

A record with any problem is not used (its parser yields the problems instead), so what
counts as a problem is chosen to mean "this record says something wrong", not "it says less
than it could": the forms real exports use for "not known" are accepted silently (an empty
tag, ``"."`` for no ID number, ``00`` for an unknown month or day of birth).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from sokhoe.insurance.card_number import InvalidCardNumber, split_card_number
from sokhoe.records import icd10
from sokhoe.records.problems import RecordProblem
from sokhoe.vietnam_time import VIETNAM_TIME

#: ``GIOI_TINH``: 1 male, 2 female, 3 not determined.
_SEXES: dict[str, str | None] = {"1": "M", "2": "F", "3": None}

#: ``SO_CCCD`` holds the 12-digit personal ID, or else an old 9-digit ID card number, the 10
#: digits some exports write, or a passport number (a capital letter and 7 digits): BHXH's
#: own check allows these. Only the personal ID identifies the person here.
_OTHER_ID_DOCUMENT = re.compile(r"[0-9]{9,10}|[A-Z][0-9]{7}")


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def clean_text(value: str) -> str:
    """Stray whitespace collapsed and Vietnamese letters composed (NFC), as the register keeps
    them: some HIS send names with combining accents."""
    value = " ".join(value.split())
    return value if value.isascii() else unicodedata.normalize("NFC", value)


class FieldReader:
    """The fields of one record (tag → text), read one by one; every problem met is
    kept in :attr:`problems`, in reading order."""

    def __init__(
        self, values: Mapping[str, str], *, source: str, record: str, table: str = ""
    ) -> None:
        self._values = values
        self._source = source
        self._record = record
        #: Prefix of the field names in problems (``"XML13."``); XML1's tags go bare.
        self._table = table
        self.problems: list[RecordProblem] = []

    def problem(self, tag: str, code: str, **params: object) -> None:
        self.problems.append(
            RecordProblem(self._source, self._record, self._table + tag, code, params)
        )

    def raw(self, tag: str) -> str:
        """A tag's text, stripped (``""`` for an empty or missing tag)."""
        return self._values.get(tag, "").strip()

    def text(self, tag: str, *, limit: int | None = None, required: bool = False) -> str | None:
        """The text of a tag (``None`` when empty), no longer than ``limit`` characters."""
        value = self.raw(tag)
        if not value:
            if required:
                self.problem(tag, "required")
            return None
        if limit is not None and len(value) > limit:
            self.problem(tag, "too_long", limit=limit)
            return None
        return clean_text(value)

    def facility(self, tag: str, *, required: bool = False) -> str | None:
        """A facility code (``MA_CSKCB``, ``MA_NOI_DEN``): 5 characters."""
        value = self.raw(tag)
        if not value:
            if required:
                self.problem(tag, "required")
            return None
        if len(value) != 5:
            self.problem(tag, "bad_facility_code", value=value)
            return None
        return value

    def _calendar(self, tag: str, value: str, *, lengths: tuple[int, ...]) -> dt.datetime | None:
        """``yyyymmdd`` or ``yyyymmddHHMM`` read as a naive instant, or a ``bad_date`` problem."""
        if not _digits(value) or len(value) not in lengths:
            self.problem(tag, "bad_date", value=value)
            return None
        try:
            return dt.datetime(
                int(value[:4]),
                int(value[4:6]),
                int(value[6:8]),
                int(value[8:10] or 0),
                int(value[10:12] or 0),
            )
        except ValueError:
            self.problem(tag, "bad_date", value=value)
            return None

    def instant(self, tag: str, *, required: bool = False) -> dt.datetime | None:
        """A 12-digit ``yyyymmddHHMM`` in Vietnam time, as an aware datetime."""
        value = self.raw(tag)
        if not value:
            if required:
                self.problem(tag, "required")
            return None
        naive = self._calendar(tag, value, lengths=(12,))
        return None if naive is None else naive.replace(tzinfo=VIETNAM_TIME)

    def day(self, tag: str, *, required: bool = False) -> dt.date | None:
        """A day written with 8 digits, or 12 when the time is given as well (``NGAY_HEN_KL``
        has 12 in the appendix and 8 in real exports). A ``;``-list of days (``NGAY_TAI_KHAM``
        when several re-exams are set) gives the earliest."""
        value = self.raw(tag)
        if not value:
            if required:
                self.problem(tag, "required")
            return None
        days = [self._calendar(tag, part.strip(), lengths=(8, 12)) for part in value.split(";")]
        known = [instant.date() for instant in days if instant is not None]
        return min(known) if len(known) == len(days) else None

    def birth_date(self, tag: str) -> dt.date | None:
        """``NGAY_SINH``: 12 digits (8 accepted); ``00`` for an unknown month or day (the
        appendix's rule) gives ``None``, since :class:`~sokhoe.records.clinical.Patient` has
        no partial dates."""
        value = self.raw(tag)
        if not value:
            return None
        if _digits(value) and len(value) in (8, 12) and "00" in (value[4:6], value[6:8]):
            if int(value[:4]) == 0:
                self.problem(tag, "bad_date", value=value)
            return None
        naive = self._calendar(tag, value, lengths=(8, 12))
        return None if naive is None else naive.date()

    def coded(self, tag: str, codes: Mapping[str, str | None]) -> str | None:
        """A code of a closed list, mapped to what it stands for here."""
        value = self.raw(tag)
        if not value:
            return None
        if value not in codes:
            self.problem(tag, "bad_code", value=value, allowed=", ".join(codes))
            return None
        return codes[value]

    def sex(self, tag: str) -> str | None:
        return self.coded(tag, _SEXES)

    def person_id(self, tag: str) -> str | None:
        """``SO_CCCD``: the 12-digit personal ID. Empty, ``"."``, an old ID card number or a
        passport number mean the person has none to give here (``None``, no problem); any
        other text is a mistake the facility should correct."""
        value = self.raw(tag)
        if value in ("", "."):
            return None
        if _digits(value) and len(value) == 12:
            return value
        if _OTHER_ID_DOCUMENT.fullmatch(value) is None:
            self.problem(tag, "bad_person_id", value=value)
        return None

    def card_number(self, tag: str) -> str | None:
        """``MA_THE_BHYT``: the first of the ``;``-joined cards (a new card issued during a
        stay is appended), normalised (15 characters or the 10-digit BHXH number)."""
        first = self.raw(tag).split(";", 1)[0].strip()
        if not first:
            return None
        try:
            return split_card_number(first).text
        except InvalidCardNumber:
            self.problem(tag, "bad_card_shape", value=first)
            return None

    def diagnosis(self, tag: str, *, required: bool = False) -> str | None:
        """One ICD-10 code, in the WHO's dotted form."""
        value = self.raw(tag)
        if not value:
            if required:
                self.problem(tag, "required")
            return None
        code = icd10.normalize(value)
        if code is None:
            self.problem(tag, "unknown_icd10", value=value)
        return code

    def diagnoses(self, tag: str, *, limit: int) -> tuple[str, ...]:
        """A ``;``-list of ICD-10 codes (empty items skipped, repeats dropped): one problem
        per code that is not ICD-10."""
        value = self.raw(tag)
        if len(value) > limit:
            self.problem(tag, "too_long", limit=limit)
            return ()
        codes: dict[str, None] = {}
        for part in value.split(";"):
            part = part.strip()
            if not part:
                continue
            code = icd10.normalize(part)
            if code is None:
                self.problem(tag, "unknown_icd10", value=part)
            else:
                codes[code] = None
        return tuple(codes)
