"""FHIR R4 bundles from hospital information systems (``POST /fhir``, ``sokhoe ingest
FILE.json``): each entry validated, read into the book's records, or answered with its
problems.

Models are ``fhir.resources``' R4B ones (FHIR 4.3): the package ships no R4 (4.0.1) models
any more, and for the resources read here R4B has the same content as R4.

A ``transaction``, ``batch`` or ``collection`` bundle is read entry by entry: each resource is
validated alone, so one bad entry does not hide the others, and its errors are named by FHIR
path (``Bundle.entry[2].resource.period.start``). Only a file that is not a bundle at all is
:class:`~sokhoe.records.problems.FileUnusable`. FHIR wants a ``transaction`` all or nothing;
whether to refuse a whole transaction for one bad entry is the caller's choice
(:attr:`BundleReading.type`, :attr:`BundleReading.problems`).

Records name their facility through an ``Organization`` carrying a ``MA_CSKCB`` identifier of
system :data:`~sokhoe.records.fhir_codes.FACILITY_SYSTEM` (``Encounter.serviceProvider``,
``Immunization.performer``, ``ServiceRequest.requester``, an ``Appointment``'s location or
service), else they are the sender's (``facility``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, cast

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle as FhirBundle
from fhir.resources.R4B.domainresource import DomainResource
from pydantic import ValidationError

from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.fhir_bundle import Bundle, ParsedEntry, shorten
from sokhoe.records.fhir_records import read_records
from sokhoe.records.problems import FileUnusable, RecordProblem

BUNDLE_TYPES = frozenset({"transaction", "batch", "collection"})

#: The resources read into records, and those read only for what records say of them.
RECORD_RESOURCES = frozenset(
    {
        "Patient",
        "Coverage",
        "Encounter",
        "Condition",
        "Immunization",
        "ServiceRequest",
        "Appointment",
    }
)
SUPPORTING_RESOURCES = frozenset(
    {"Organization", "Location", "HealthcareService", "PractitionerRole", "Practitioner"}
)
WRITE_METHODS = frozenset({"POST", "PUT"})

#: Numbers longer than this are refused before anything is built from them.
MAX_DIGITS = 1_000

#: A JSON escape that may give a string PostgreSQL cannot store (fhir.resources takes it): a
#: NUL, or half of a surrogate pair. Only a file holding one has its strings looked at.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


@dataclass(frozen=True, slots=True)
class EntryReading:
    """What one ``Bundle.entry`` gave: a record, a part of another entry's record (a
    ``Condition`` of its ``Encounter``), problems, or nothing to store of its own (a
    ``Patient``, a ``Coverage``, an ``Organization``: read into the records naming them)."""

    index: int
    resource_type: str | None
    record: ClinicalRecord | None = None
    part_of: int | None = None
    problems: tuple[RecordProblem, ...] = ()

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}]"


@dataclass(frozen=True, slots=True)
class BundleReading:
    source: str
    #: ``transaction``, ``batch`` or ``collection``.
    type: str
    entries: tuple[EntryReading, ...]

    @property
    def records(self) -> list[ClinicalRecord]:
        return [entry.record for entry in self.entries if entry.record is not None]

    @property
    def problems(self) -> list[RecordProblem]:
        return [problem for entry in self.entries for problem in entry.problems]

    @property
    def items(self) -> list[ClinicalRecord | RecordProblem]:
        """Records and problems in entry order, as :func:`sokhoe.records.ingest.ingest`
        takes them."""
        return [
            item
            for entry in self.entries
            for item in ([entry.record] if entry.record is not None else entry.problems)
        ]


def read_bundle(data: bytes, *, source: str, facility: str | None = None) -> BundleReading:
    """Read a bundle's bytes. ``facility`` is the sender's code, for records that name none.

    Raises :class:`FileUnusable` for bytes that are not JSON, JSON that is not a ``Bundle``
    and a bundle of another type; anything else wrong is a problem of its entry.
    """
    document, suspect = _load(data, source)
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        kind = document.get("resourceType") if isinstance(document, dict) else None
        raise _unusable(source, None, "not_a_bundle", value=kind)
    if not _is_one_of(document.get("type"), BUNDLE_TYPES):
        raise _unusable(source, "Bundle.type", "bundle_type", value=document.get("type"))
    raw_entries = document.get("entry") or []
    if not isinstance(raw_entries, list):
        raise _unusable(source, "Bundle.entry", "fhir_invalid", detail="entry is not a list")
    _check_bundle(document, source)
    entries = [_parse_entry(raw, n, source, suspect) for n, raw in enumerate(raw_entries)]
    read_records(Bundle(entries, facility=facility))
    return BundleReading(
        source=source,
        type=document["type"],
        entries=tuple(
            EntryReading(e.index, e.resource_type, e.record, e.part_of, tuple(e.problems))
            for e in entries
        ),
    )


def _load(data: bytes, source: str) -> tuple[object, bool]:
    """The JSON document, and whether it may hold a string that cannot be stored."""
    try:
        text = data.decode(json.detect_encoding(data))
        document = json.loads(text, parse_int=_integer, parse_constant=_not_json)
    except _NumberTooLong:
        raise _unusable(source, None, "number_too_long", limit=MAX_DIGITS) from None
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise _unusable(source, None, "not_xml_or_json") from None
    return document, _SUSPECT_ESCAPE.search(text) is not None


class _NumberTooLong(Exception):
    pass


def _integer(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _NumberTooLong
    return int(text)


def _not_json(text: str) -> object:
    raise ValueError(f"{text} is not JSON")


def _check_bundle(document: dict[str, Any], source: str) -> None:
    """Validate the bundle's own elements (its entries are read one by one)."""
    try:
        FhirBundle.model_validate({k: v for k, v in document.items() if k != "entry"})
    except ValidationError as error:
        detail = error.errors()[0]
        where = _path("Bundle", detail["loc"])
        raise _unusable(source, where, "fhir_invalid", detail=detail["msg"]) from None


def _parse_entry(raw: object, index: int, source: str, suspect: bool) -> ParsedEntry:
    """Check an entry's envelope (an object, its ``fullUrl`` and ``request.method``: all that
    is read of it), then validate its resource with its ``fhir.resources`` model."""
    raw_entry = raw if isinstance(raw, dict) else {}
    resource = raw_entry.get("resource")
    body = resource if isinstance(resource, dict) else {}
    kind = body.get("resourceType")
    entry = ParsedEntry(
        index=index,
        source=source,
        full_url=_text(raw_entry.get("fullUrl")),
        resource_type=_text(kind),
        resource_id=_text(body.get("id")),
    )
    request = raw_entry.get("request")
    method = request.get("method") if isinstance(request, dict) else None
    if not isinstance(raw, dict):
        entry.problems.append(_entry_problem(entry, "", "fhir_invalid", "entry is not an object"))
    elif not isinstance(raw.get("fullUrl", ""), str):
        entry.problems.append(_entry_problem(entry, ".fullUrl", "fhir_invalid", "not a string"))
    elif request is not None and not _is_one_of(method, WRITE_METHODS):
        entry.problems.append(
            _entry_problem(entry, ".request.method", "unsupported_method", method)
        )
    elif not isinstance(resource, dict):
        entry.problems.append(_entry_problem(entry, ".resource", "required", None))
    elif entry.resource_type not in RECORD_RESOURCES | SUPPORTING_RESOURCES:
        shown = entry.resource_type or repr(kind)
        entry.problems.append(_entry_problem(entry, ".resource", "unsupported_resource", shown))
    elif suspect and (bad := _unstorable(resource, "")) is not None:
        entry.problems.append(_entry_problem(entry, f".resource{bad}", "bad_character", None))
    else:
        _validate(entry, resource)
    return entry


def _unstorable(value: object, path: str) -> str | None:
    """The path of the first string in a JSON value that holds a NUL or half a surrogate
    pair (PostgreSQL stores neither)."""
    if isinstance(value, str):
        return None if _storable(value) else path
    if isinstance(value, dict):
        items = [(f"{path}.{key}", item) for key, item in value.items()]
        items += [(path, key) for key in value]
    elif isinstance(value, list):
        items = [(f"{path}[{n}]", item) for n, item in enumerate(value)]
    else:
        return None
    for where, item in items:
        found = _unstorable(item, where)
        if found is not None:
            return found
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _validate(entry: ParsedEntry, resource: dict[str, Any]) -> None:
    model = get_fhir_model_class(entry.resource_type or "")
    try:
        entry.resource = cast(DomainResource, model.model_validate(resource))
    except ValidationError as error:
        for detail in error.errors():
            path = _path(f"{entry.path}.resource", detail["loc"])
            _validation_problem(entry, path, cast(dict[str, Any], detail))
    except Exception as error:
        # A validator of fhir.resources fails on input it did not foresee (``_birthDate`` as
        # a string: AttributeError; a contained resource of no known type: KeyError): the
        # entry is refused with it, the request does not fail.
        entry.problems.append(_entry_problem(entry, ".resource", "fhir_invalid", repr(error)))


def _validation_problem(entry: ParsedEntry, path: str, detail: dict[str, Any]) -> None:
    """A pydantic error as a problem at its FHIR path; a date is named as a date."""
    value = detail.get("input")
    is_date = "date" in detail["type"] or any(t in detail["msg"] for t in ("Date", "Instant"))
    code = "bad_date" if is_date and isinstance(value, str) else "fhir_invalid"
    params = {"detail": detail["msg"], "value": shorten(value) if isinstance(value, str) else None}
    entry.problems.append(RecordProblem(entry.source, entry.path, path, code, params))


def _entry_problem(entry: ParsedEntry, suffix: str, code: str, value: object) -> RecordProblem:
    shown = shorten(value)
    return RecordProblem(
        entry.source, entry.path, entry.path + suffix, code, {"value": shown, "detail": shown}
    )


def _path(root: str, location: tuple[Any, ...]) -> str:
    """A pydantic location as a FHIR path: ``("period", "start")`` → ``….period.start``."""
    path = root
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _is_one_of(value: object, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _unusable(source: str, field: str | None, code: str, **params: object) -> FileUnusable:
    shown = {name: shorten(value) for name, value in params.items()}
    return FileUnusable(RecordProblem(source, None, field, code, shown))
