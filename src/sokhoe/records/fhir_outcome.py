"""What ``POST /fhir`` answers: an ``OperationOutcome`` naming the path of each problem, or a
``transaction-response`` / ``batch-response`` bundle with a status per entry.

Both are built with ``fhir.resources`` (R4B) models, so what a FHIR client gets back is
valid; they are returned as JSON-ready dicts.

Per entry the caller says what ingest did with its record (:class:`EntryResult`); the
entries without a record of their own are answered from that: a ``Condition`` as its
``Encounter``, an entry with problems ``400`` with them, a ``Patient``, ``Coverage`` or
``Organization`` read into the records ``200 OK``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntryResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue

from sokhoe.records.fhir import BundleReading, EntryReading
from sokhoe.records.problems import RecordProblem

#: The FHIR issue type of each problem code; any other is ``invalid``.
_ISSUE_TYPES = {
    "fhir_invalid": "structure",
    "not_a_bundle": "structure",
    "not_xml_or_json": "structure",
    "number_too_long": "too-long",
    "required": "required",
    "unresolved_reference": "not-found",
    "other_facility": "forbidden",
    "unknown_facility": "not-found",
    "unsupported_resource": "not-supported",
    "unsupported_method": "not-supported",
    "bundle_type": "not-supported",
    "not_a_referral": "not-supported",
    "unknown_icd10": "code-invalid",
    "unknown_vaccine": "code-invalid",
    "too_long": "too-long",
}


@dataclass(frozen=True, slots=True)
class EntryResult:
    """What became of an entry's record: its HTTP status and, when refused, why."""

    status: str
    problems: tuple[RecordProblem, ...] = ()

    @classmethod
    def refused(cls, *problems: RecordProblem) -> EntryResult:
        return cls("400 Bad Request", problems)


#: Ingest stored a new record / rewrote or kept a stored one / queued it for review (its
#: person is not identified yet: accepted, not yet in a book).
CREATED = EntryResult("201 Created")
UPDATED = EntryResult("200 OK")
QUEUED = EntryResult("202 Accepted")


def operation_outcome(problems: Sequence[RecordProblem], lang: str = "vi") -> dict[str, Any]:
    """An ``OperationOutcome`` with an error issue per problem, its path as ``expression``."""
    return _outcome(problems, lang).model_dump(mode="json")


def _outcome(problems: Sequence[RecordProblem], lang: str) -> OperationOutcome:
    issues = [
        OperationOutcomeIssue(
            severity="error",
            code=_ISSUE_TYPES.get(problem.code, "invalid"),
            diagnostics=problem.message(lang),
            expression=[where] if (where := problem.field or problem.record) else None,
        )
        for problem in problems
    ]
    return OperationOutcome(issue=issues)


def response_bundle(
    reading: BundleReading, results: Mapping[int, EntryResult], lang: str = "vi"
) -> dict[str, Any]:
    """The response bundle: one entry per entry read, in order. ``results`` holds, by entry
    index, what ingest did with each entry's record (every entry with a record needs one)."""
    kind = "transaction-response" if reading.type == "transaction" else "batch-response"
    entries = [
        BundleEntry(response=_response(_result(reading, entry, results), lang))
        for entry in reading.entries
    ]
    return Bundle(type=kind, entry=entries or None).model_dump(mode="json")


def _result(
    reading: BundleReading, entry: EntryReading, results: Mapping[int, EntryResult]
) -> EntryResult:
    if entry.problems:
        return EntryResult.refused(*entry.problems)
    if entry.record is not None:
        return results[entry.index]
    if entry.part_of is not None:
        return _result(reading, reading.entries[entry.part_of], results)
    return UPDATED


def _response(result: EntryResult, lang: str) -> BundleEntryResponse:
    outcome = _outcome(result.problems, lang) if result.problems else None
    return BundleEntryResponse(status=result.status, outcome=outcome)
