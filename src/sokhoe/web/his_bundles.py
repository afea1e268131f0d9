"""``POST /fhir``'s bundles, checked, read and stored a group at a time
(:class:`~sokhoe.web.coalescer.Coalescer`): each answered as if it had come alone.

For each bundle of a group, in one transaction: its key (one query for the group: a key
that is not valid is 401 before its body is read), then its entries (an unusable body is
400), then what becomes of it. A ``transaction`` is all or nothing: a record of another
facility makes it 403 (the attempt audited as denied, nothing else stored), a problem in an
entry 400 (nothing stored). A ``batch`` or ``collection`` is answered entry by entry. The
records of the whole group are then stored by one call of the ingest service
(:func:`~sokhoe.records.ingest.ingest_batches`), each bundle a batch of its own sender; when
ingest refuses a record of a transaction, the group is rolled back and stored again without
that transaction, which is answered 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sokhoe.db import unit_of_work
from sokhoe.records.fhir import BundleReading, read_bundle
from sokhoe.records.fhir_outcome import (
    CREATED,
    QUEUED,
    UPDATED,
    EntryResult,
    operation_outcome,
    response_bundle,
)
from sokhoe.records.his_credentials import HisKey, find_keys
from sokhoe.records.ingest import Batch, BatchResult, RecordOutcome, Status, ingest_batches
from sokhoe.records.problems import FileUnusable
from sokhoe.web.his_auth import HisRefused, PresentedKey

#: What problems name as the source of a request's records.
FHIR_SOURCE = "POST /fhir"
#: Bundles stored together at most: enough for the statements to be shared, few enough
#: that a group's transaction stays short.
GROUP_LIMIT = 32

#: The answer to each entry's record by ingest status (a resend is ``200 OK`` as an update).
_ANSWERS = {
    Status.CREATED: CREATED,
    Status.UPDATED: UPDATED,
    Status.UNCHANGED: UPDATED,
    Status.QUEUED: QUEUED,
}


@dataclass(frozen=True)
class BundlePost:
    """One request: the key it presents, its body, the language of its answer."""

    presented: PresentedKey
    body: bytes
    lang: str


#: A request's answer: its status and FHIR resource, or the refusal to raise in its place.
Answer = tuple[int, dict[str, Any]] | HisRefused


@dataclass(frozen=True)
class _Plan:
    """What a bundle read without problems sends to ingest, and how it is answered."""

    reading: BundleReading
    sender: HisKey
    records: Sequence[Any]
    #: The bundle is a transaction: all its records stored, or none.
    whole: bool
    #: The records are another facility's: ingest only audits the attempt (403).
    foreign: bool = False

    def batch(self) -> Batch:
        facility, channel = self.sender.facility_code, self.sender.audit_label
        return Batch(self.records, FHIR_SOURCE, facility, channel)

    def answer(self, result: BatchResult, lang: str) -> tuple[int, dict[str, Any]]:
        if self.foreign:
            return HTTPStatus.FORBIDDEN, _outcome(self.reading, result.outcomes, lang)
        if self.whole and result.problems:
            return HTTPStatus.BAD_REQUEST, _outcome(self.reading, result.outcomes, lang)
        return HTTPStatus.OK, response_bundle(self.reading, _results(self.reading, result), lang)


def store_bundles(sessions: sessionmaker[Session], posts: list[BundlePost]) -> list[Answer]:
    """Each post's answer, in order, the group stored in one transaction."""
    answers: dict[int, Answer] = {}
    with unit_of_work(sessions) as session:
        senders = find_keys(session, {post.presented for post in posts})
        plans: dict[int, _Plan] = {}
        for number, post in enumerate(posts):
            sender = senders.get(post.presented)
            planned = (
                _plan(post, sender) if sender else HisRefused(HTTPStatus.UNAUTHORIZED, "no_key")
            )
            if isinstance(planned, _Plan):
                plans[number] = planned
            else:
                answers[number] = planned
        while True:
            results = ingest_batches(session, [plan.batch() for plan in plans.values()])
            answered = {
                number: plan.answer(result, posts[number].lang)
                for (number, plan), result in zip(plans.items(), results, strict=True)
            }
            refused = [
                number
                for number, plan in plans.items()
                if plan.whole and not plan.foreign and answered[number][0] != HTTPStatus.OK
            ]
            if not refused:
                break
            session.rollback()  # what the refused transactions wrote goes; the rest is redone
            for number in refused:
                answers[number] = answered[number]
                del plans[number]
        answers.update(answered)
    return [answers[number] for number in range(len(posts))]


def _plan(post: BundlePost, sender: HisKey) -> _Plan | tuple[int, dict[str, Any]]:
    """What to store of the post, or its answer already (a body or transaction refused)."""
    try:
        reading = read_bundle(post.body, source=FHIR_SOURCE, facility=sender.facility_code)
    except FileUnusable as exc:
        return HTTPStatus.BAD_REQUEST, operation_outcome([exc.problem], post.lang)
    if reading.type != "transaction":
        return _Plan(reading, sender, [e.record for e in reading.entries if e.record], whole=False)
    foreign = [r for r in reading.records if r.facility_code != sender.facility_code]
    if foreign:
        return _Plan(reading, sender, foreign, whole=True, foreign=True)
    if reading.problems:
        return HTTPStatus.BAD_REQUEST, operation_outcome(reading.problems, post.lang)
    return _Plan(reading, sender, reading.records, whole=True)


def _outcome(
    reading: BundleReading, outcomes: Sequence[RecordOutcome], lang: str
) -> dict[str, Any]:
    """An ``OperationOutcome`` of ingest's refusals, each at its entry's path (ingest names
    a record by its key, which is no FHIR path)."""
    paths = {id(e.record): e.path for e in reading.entries if e.record is not None}
    issues = [
        issue
        for o in outcomes
        if o.problem is not None
        for issue in operation_outcome([o.problem], lang, at=paths.get(id(o.record)))["issue"]
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def _results(reading: BundleReading, result: BatchResult) -> dict[int, EntryResult]:
    with_record = [e for e in reading.entries if e.record is not None]
    return {
        entry.index: _answer(outcome)
        for entry, outcome in zip(with_record, result.outcomes, strict=True)
    }


def _answer(outcome: RecordOutcome) -> EntryResult:
    if outcome.status is not Status.REFUSED:
        return _ANSWERS[outcome.status]
    problems = (outcome.problem,) if outcome.problem else ()
    if outcome.problem and outcome.problem.code == "other_facility":
        return EntryResult("403 Forbidden", problems)
    return EntryResult.refused(*problems)
