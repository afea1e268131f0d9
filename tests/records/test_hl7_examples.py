"""HL7's published R4 examples sent to ``POST /fhir`` as a HIS would: each one is stored or
answered with a clean ``OperationOutcome``, never a server error, and a refused transaction
stores nothing.

Every example of a resource type the server takes is sent, whether or not ``fhir.resources``
parses it (a server answers whatever it is sent cleanly, and the test is spared parsing the
package's 100 MB of definition bundles): a bundle as published, a single resource in a
``transaction`` with the examples it references (its patient, its organization), as a HIS
sends a record. The sweep runs on SQLite; a sample of it on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import func, select

from sokhoe.db import Base
from sokhoe.records import models
from sokhoe.records.fhir import RECORD_RESOURCES, SUPPORTING_RESOURCES
from sokhoe.runtime import Database
from tests.support.hl7_examples import examples
from tests.web.conftest import app, database, fast_hashing, settings
from tests.web.test_his_api import his, keys, post_bundle

__all__ = ["app", "database", "fast_hashing", "his", "keys", "settings"]

pytestmark = pytest.mark.slow

SENDER = "56012"
BASE = "http://hl7.org/fhir"
#: The referenced examples sent along with a record: its patient and who gave it (another
#: record it names, an ``Encounter``'s ``Appointment``, would bring problems of its own).
INCLUDED = SUPPORTING_RESOURCES | {"Patient"}
RECORD_TABLES = [
    model.__tablename__
    for model in (
        models.Visit,
        models.Immunization,
        models.Referral,
        models.Appointment,
        models.UnidentifiedRecord,
    )
]
#: What is sent to PostgreSQL: the package's transactions and a record of each kind.
SAMPLE = {
    "Bundle-bundle-transaction.json",
    "Bundle-xds.json",
    "Patient-example.json",
    "Encounter-f203.json",
    "Immunization-example.json",
    "ServiceRequest-example.json",
    "Appointment-example.json",
    "Coverage-9876B1.json",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_hl7_example_is_stored_or_answered_with_an_operation_outcome(
    his: TestClient,
    keys: dict[str, str],
    database: Database,
    record_property: Callable[[str, object], None],
) -> None:
    answers = send(his, keys[SENDER], database, requests())
    # In the JUnit report. Package 4.0.1: 51 accepted (1 of them stored), 69 refused.
    record_property("answers", dict(answers))
    assert answers["stored"] > 0, answers
    assert answers["accepted"] + answers["refused"] > 100, answers


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sample_of_hl7_examples_on_postgresql(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    sample = [(name, bundle) for name, bundle in requests() if name in SAMPLE]
    assert len(sample) == len(SAMPLE)
    answers = send(his, keys[SENDER], database, sample)
    assert answers["stored"] > 0, answers


def requests() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each example's name and the bundle it is sent in."""
    singles = list(examples(*RECORD_RESOURCES, *SUPPORTING_RESOURCES))
    by_reference = {
        key(e.resource): e.resource
        for e in singles
        if e.resource["resourceType"] in INCLUDED and "id" in e.resource
    }
    for example in examples("Bundle"):
        yield example.name, example.resource
    for example in singles:
        if example.resource["resourceType"] in RECORD_RESOURCES:
            yield example.name, transaction(example.resource, by_reference)


def transaction(resource: dict[str, Any], by_reference: dict[str, Any]) -> dict[str, Any]:
    """``resource`` and the examples it references, each ``PUT`` in a ``transaction``."""
    included = {key(resource): resource}
    for reference in references(resource):
        if reference in by_reference:
            included.setdefault(reference, by_reference[reference])
    entries = [
        {"fullUrl": f"{BASE}/{where}", "resource": item, "request": {"method": "PUT", "url": where}}
        for where, item in included.items()
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def key(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource.get('id', 'example')}"


def references(value: object) -> Iterator[str]:
    """Every ``reference`` in a resource, nested ones included."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        items: Iterable[object] = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return
    for item in items:
        yield from references(item)


def send(
    client: TestClient,
    key: str,
    database: Database,
    sent: Iterable[tuple[str, dict[str, Any]]],
) -> Counter[str]:
    """Post each bundle; count those accepted (answered with a response bundle), those of
    them that stored a record (in the book or the review queue), and those refused with an
    outcome."""
    answers: Counter[str] = Counter()
    for name, bundle in sent:
        before = rows(database)
        response = post_bundle(client, key, bundle)
        where = f"{name}: {response.status_code} {response.text[:500]}"
        assert response.status_code < 500, where
        if response.status_code == 200:
            assert_clean_entries(Bundle.model_validate(response.json()), where)
            answers["accepted"] += 1
            after = rows(database)
            answers["stored"] += any(after[name] != before[name] for name in RECORD_TABLES)
            continue
        assert 400 <= response.status_code < 500, where
        assert_clean(OperationOutcome.model_validate(response.json()), where)
        assert rows(database) == before, f"{name}: refused, yet rows were written"
        answers["refused"] += 1
    return answers


def assert_clean_entries(answer: Bundle, where: str) -> None:
    """A response bundle: a status per entry, and an outcome for each one refused."""
    assert answer.type in ("transaction-response", "batch-response"), where
    for entry in answer.entry or ():
        response = entry.response
        assert response is not None and response.status, where
        status = int(response.status.split()[0])
        assert 200 <= status < 300 or 400 <= status < 500, where
        if status >= 400:
            assert response.outcome is not None, where
            assert_clean(OperationOutcome.model_validate(response.outcome.model_dump()), where)


def assert_clean(outcome: OperationOutcome, where: str) -> None:
    """Each issue says how bad, what kind and, in words, what."""
    assert outcome.issue, where
    for issue in outcome.issue:
        text = issue.diagnostics or (issue.details.text if issue.details else None)
        assert issue.severity and issue.code and text, where


def rows(database: Database) -> dict[str, int]:
    """The number of rows of every table."""
    with database.sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
