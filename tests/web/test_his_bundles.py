"""Bundles that arrive together are stored in one transaction and each answered as if it
had come alone: a refused transaction takes nothing of the others with it, nor they of it.
And the group commit itself: groups form while one is being stored, a lone item is not
kept waiting, and a group that fails is tried item by item."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from sokhoe.access.audit import Outcome
from sokhoe.access.models import AuditEntry
from sokhoe.records import models
from sokhoe.runtime import Database
from sokhoe.web.coalescer import Coalescer
from sokhoe.web.his_auth import HisRefused, PresentedKey
from sokhoe.web.his_bundles import BundlePost, store_bundles
from tests.web.test_his_api import TRANSACTION, keys, settings

__all__ = ["keys", "settings"]

_T = TypeVar("_T")


#: The resources whose identifier is the record's key.
KEYED = {"Encounter", "Immunization", "ServiceRequest", "Appointment"}


def other_records(bundle: dict[str, Any], suffix: str) -> dict[str, Any]:
    """``bundle`` with other keys for its records: other visits, doses and letters."""
    changed = copy.deepcopy(bundle)
    for entry in changed["entry"]:
        if entry["resource"]["resourceType"] in KEYED:
            for identifier in entry["resource"]["identifier"]:
                identifier["value"] += suffix
    return changed


def post(key: str, bundle: object) -> BundlePost:
    body = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    return BundlePost(PresentedKey(key), body, "vi")


def test_each_bundle_of_a_group_is_answered_as_if_alone(
    database: Database, keys: dict[str, str]
) -> None:
    too_long = other_records(TRANSACTION, "-2")
    too_long["entry"][6]["resource"]["lotNumber"] = "L" * 60  # ingest refuses it, not FHIR
    batch = other_records(TRANSACTION, "-3") | {"type": "batch"}
    batch["entry"][9]["resource"]["start"] = "2026-13-40T08:00:00+07:00"
    posts = [
        post(keys["56012"], TRANSACTION),
        post(keys["56001"], TRANSACTION),  # Cam Lâm's records with the hospital's key
        post(keys["56012"], too_long),
        post("skh_" + "x" * 43, TRANSACTION),
        post(keys["56012"], b"{not json"),
        post(keys["56012"], batch),
    ]
    answers = store_bundles(database.sessions, posts)

    refused = answers[3]
    assert isinstance(refused, HisRefused) and refused.status == HTTPStatus.UNAUTHORIZED
    statuses = [a[0] for a in answers if not isinstance(a, HisRefused)]
    assert statuses == [200, 403, 400, 400, 200]
    stored_one, _, too_long_answer, _, _, batch_answer = answers
    assert not isinstance(stored_one, HisRefused) and not isinstance(batch_answer, HisRefused)
    assert stored_one[1]["type"] == "transaction-response"
    assert not isinstance(too_long_answer, HisRefused)
    assert too_long_answer[1]["resourceType"] == "OperationOutcome"
    assert "Bundle.entry[6]" in json.dumps(too_long_answer[1])
    entries = [e["response"]["status"] for e in batch_answer[1]["entry"]]
    assert entries[9].startswith("400") and entries[3].startswith("201")

    with database.sessions() as session:
        lots = session.scalars(select(models.Immunization.lot_number)).all()
        visits = session.scalars(select(models.Visit.key).order_by(models.Visit.key)).all()
        audit = session.execute(
            select(AuditEntry.outcome, AuditEntry.detail).order_by(AuditEntry.id)
        ).all()
    assert "L" * 60 not in lots and len(lots) == 2  # the transaction's and the batch's dose
    assert len(visits) == 2 and all(not key.endswith("-2") for key in visits)
    ingest_entries = [a for a in audit if a.detail.startswith("cơ sở 56012")]
    assert [a.outcome for a in ingest_entries] == [Outcome.ALLOWED, Outcome.DENIED, Outcome.ALLOWED]


def _run(coalescer: Coalescer[int, int], items: list[int]) -> list[int | BaseException]:
    async def submit_all() -> list[int | BaseException]:
        return await asyncio.gather(
            *(coalescer.submit(item) for item in items), return_exceptions=True
        )

    return _in_own_loop(submit_all())


def _in_own_loop(work: Coroutine[Any, Any, _T]) -> _T:
    """Run `work` on an event loop of its own thread: a browser test earlier in this worker
    leaves Playwright's loop running on the main thread, where asyncio.run is refused."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


def test_a_group_forms_while_one_is_stored_and_a_lone_item_goes_at_once() -> None:
    groups: list[list[int]] = []
    first_started, others_queued = threading.Event(), threading.Event()

    def work(items: list[int]) -> list[int]:
        groups.append(items)
        if len(groups) == 1:
            first_started.set()
            others_queued.wait(5)
        return [item * 10 for item in items]

    coalescer: Coalescer[int, int] = Coalescer(work, limit=3)

    async def scenario() -> list[int]:
        first = asyncio.ensure_future(coalescer.submit(1))
        await asyncio.to_thread(first_started.wait, 5)
        rest = [asyncio.ensure_future(coalescer.submit(i)) for i in range(2, 7)]
        await asyncio.sleep(0)
        others_queued.set()
        return list(await asyncio.gather(first, *rest))

    assert _in_own_loop(scenario()) == [10, 20, 30, 40, 50, 60]
    assert groups == [[1], [2, 3, 4], [5, 6]]
    assert _run(coalescer, [7]) == [70] and groups[-1] == [7]


def test_a_group_that_fails_is_tried_item_by_item() -> None:
    def work(items: list[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("database error")
        return [item + 1 for item in items]

    answers = _run(Coalescer(work, limit=10), [1, 13, 2])
    assert answers[0] == 2 and answers[2] == 3
    assert isinstance(answers[1], RuntimeError)


@pytest.mark.parametrize("limit", [1, 2])
def test_no_group_exceeds_its_limit(limit: int) -> None:
    sizes: list[int] = []

    def work(items: list[int]) -> list[int]:
        sizes.append(len(items))
        return items

    assert _run(Coalescer(work, limit=limit), list(range(5))) == list(range(5))
    assert max(sizes) <= limit
