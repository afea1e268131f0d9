"""The field worklist and recording visits (R12, R16), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.campaign import fieldwork, findings
from sokhoe.campaign.fieldwork import VisitConflict, field_worklist, record_visit
from sokhoe.campaign.models import FieldVisit
from sokhoe.campaign.service import CampaignError
from sokhoe.campaign.vocabulary import SETTLED_OUTCOMES, Outcome
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.reconcile.models import ReconcileRun, RunStatus
from sokhoe.registry.models import Citizen
from tests.campaign.conftest import Field
from tests.support.factories import KHANH_HOA, add_citizen

TODAY = dt.date(2026, 3, 20)
AT = dt.datetime(2026, 3, 20, 2, 30, tzinfo=dt.UTC)


def visit(
    session: Session,
    field: Field,
    person_id: str,
    outcome: Outcome = Outcome.NOT_HOME,
    **kw: object,
) -> fieldwork.RecordedVisit:
    return record_visit(
        session,
        kw.pop("actor", field.member),  # type: ignore[arg-type]
        client_uuid=str(kw.pop("client_uuid", uuid.uuid4())),
        person_id=person_id,
        outcome=outcome,
        visited_at=kw.pop("visited_at", AT),  # type: ignore[arg-type]
    )


def add_card(session: Session, person_id: str, *, integrated: bool) -> None:
    number = f"GD4{person_id[-10:]}00"[:15]
    session.add(
        InsuranceCard(
            card_number=number,
            bhxh_number=person_id[-10:],
            holder_key=person_id,
            person_id=person_id,
            full_name="x",
        )
    )
    if integrated:
        session.add(WalletIntegration(person_id=person_id, card_number=number))
    session.flush()


def finished_run(session: Session, tmp_path: Path, rows: list[tuple[str, str]]) -> ReconcileRun:
    """A finished run of Khánh Hòa whose findings.csv holds ``rows`` (person, category)."""
    out = tmp_path / "run-out"
    out.mkdir(exist_ok=True)
    lines = ["card_number,person_id,commune_code,category,detail,suggested_fix,label,line"]
    lines += [f"C{i},{pid},22366,{cat},,,,{i}" for i, (pid, cat) in enumerate(rows)]
    (out / "findings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    now = dt.datetime.now(dt.UTC)
    run = ReconcileRun(
        province_code=KHANH_HOA,
        started_by_name="test",
        role="bhxh_officer",
        status=RunStatus.DONE.value,
        source="upload",
        as_of=TODAY,
        engine="duckdb",
        requested_at=now,
        output_directory=str(out),
    )
    session.add(run)
    session.flush()
    return run


def imported_run(session: Session, tmp_path: Path, rows: list[tuple[str, str]]) -> int:
    """A finished run whose findings were copied in."""
    run = finished_run(session, tmp_path, rows)
    findings.import_run(session, run)
    return run.id


def test_worklist_flags_and_households_match_a_direct_count(
    session: Session, field: Field, tmp_path: Path
) -> None:
    rng = random.Random(7)
    people: list[Citizen] = []
    for n in range(90):
        child = rng.random() < 0.2
        born = dt.date(2016, 5, 1) if child else dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
        citizen = add_citizen(session, field.to_1, born=born, level2=rng.random() < 0.6)
        citizen.household_id = None if rng.random() < 0.1 else f"HO{rng.randrange(30):03d}"
        people.append(citizen)
        if rng.random() < 0.5:
            user = User(
                username=f"cd{n}",
                display_name="x",
                role=Role.CITIZEN.value,
                person_id=citizen.person_id,
                active=rng.random() < 0.9,
                last_login_at=AT if rng.random() < 0.7 else None,
            )
            session.add(user)
        if rng.random() < 0.7:
            add_card(session, citizen.person_id, integrated=rng.random() < 0.5)
    add_citizen(session, field.to_2, level2=False)  # another village: never listed
    session.flush()
    reasons = {p.person_id: "ready_not_integrated" for p in people[::3]}
    imported_run(session, tmp_path, list(reasons.items()))
    for citizen in people[::4]:
        outcome = rng.choice(list(Outcome))
        visit(session, field, citizen.person_id, outcome)

    pages, offset = [], 0
    while True:
        page = field_worklist(
            session, field.member, village_id=field.to_1.id, offset=offset, limit=7, today=TODAY
        )
        assert page is not None
        pages.extend(page.households)
        offset += 7
        if offset >= page.total:
            break
    listed = {p.person_id: p for household in pages for p in household.people}

    def direct(citizen: Citizen) -> fieldwork.WorklistPerson:
        adult = citizen.birth_date <= dt.date(2012, 3, 20)
        activated = session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.person_id == citizen.person_id,
                User.active.is_(True),
                User.last_login_at.is_not(None),
            )
        )
        cards = session.scalar(
            select(func.count()).where(InsuranceCard.person_id == citizen.person_id)
        )
        wallet = session.scalar(
            select(func.count()).where(WalletIntegration.person_id == citizen.person_id)
        )
        last = session.scalar(
            select(FieldVisit.outcome)
            .where(FieldVisit.person_id == citizen.person_id)
            .order_by(FieldVisit.visited_at.desc(), FieldVisit.id.desc())
            .limit(1)
        )
        no_l2, not_act, not_int = (
            adult and not citizen.level2_eid,
            adult and not activated,
            bool(cards) and not wallet,
        )
        return fieldwork.WorklistPerson(
            person_id=citizen.person_id,
            full_name=citizen.full_name,
            birth_year=citizen.birth_date.year,
            sex=citizen.sex,
            child=not adult,
            no_level2=no_l2,
            book_not_activated=not_act,
            card_not_integrated=not_int,
            card_reason=(
                findings.LABELS[reasons[citizen.person_id]]
                if not_int and citizen.person_id in reasons
                else None
            ),
            last_outcome=Outcome(last) if last else None,
            last_visited_at=AT if last else None,
            needs_visit=(no_l2 or not_act or not_int)
            and Outcome(last or "not_home") not in SETTLED_OUTCOMES,
        )

    expected = {c.person_id: direct(c) for c in people}
    key = {c.person_id: c.household_id or f"#{c.person_id}" for c in people}
    due = {key[pid] for pid, p in expected.items() if p.needs_visit}
    assert len(pages) == len(due) == page.total
    assert {key[h.people[0].person_id] for h in pages} == due  # each household once
    for pid, person in listed.items():
        assert person == expected[pid]
    assert all(  # the population exercises every flag and a reason
        any(getattr(p, flag) for p in listed.values())
        for flag in ("child", "no_level2", "book_not_activated", "card_not_integrated")
    )
    assert any(p.card_reason for p in listed.values())
    # a household listed comes with all its people, the settled ones too
    assert set(listed) == {pid for pid in expected if key[pid] in due}


def test_visit_outside_her_villages_is_refused_and_audited(session: Session, field: Field) -> None:
    neighbour = add_citizen(session, field.to_2)
    with pytest.raises(AccessDenied):
        visit(session, field, neighbour.person_id)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.action, entry.outcome, entry.subject_person_id) == (
        "record_field_visit",
        "denied",
        neighbour.person_id,
    )
    assert session.scalar(select(func.count()).select_from(FieldVisit)) == 0


def test_another_communes_member_cannot_read_or_record(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1)
    with pytest.raises(AccessDenied):
        visit(session, field, resident.person_id, actor=field.stranger)
    with pytest.raises(AccessDenied):
        field_worklist(
            session, field.stranger, village_id=field.to_1.id, offset=0, limit=10, today=TODAY
        )


def test_a_resend_returns_the_same_visit(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1)
    sent = uuid.uuid4()
    first = visit(session, field, resident.person_id, Outcome.REFUSED, client_uuid=sent)
    again = visit(session, field, resident.person_id, Outcome.REFUSED, client_uuid=sent)
    assert (first.created, again.created) == (True, False)
    assert again.visit.id == first.visit.id
    assert session.scalar(select(func.count()).select_from(FieldVisit)) == 1


def test_a_conflicting_resend_is_refused(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1)
    sent = uuid.uuid4()
    visit(session, field, resident.person_id, Outcome.REFUSED, client_uuid=sent)
    with pytest.raises(VisitConflict):
        visit(session, field, resident.person_id, Outcome.NOT_HOME, client_uuid=sent)
    with pytest.raises(VisitConflict):
        later = AT + dt.timedelta(minutes=5)
        visit(
            session, field, resident.person_id, Outcome.REFUSED, client_uuid=sent, visited_at=later
        )


def test_a_visit_counts_on_its_day_in_vietnam(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1)
    evening = dt.datetime(2026, 3, 15, 18, 30, tzinfo=dt.UTC)  # 01:30 on 16/3 in Vietnam
    recorded = visit(session, field, resident.person_id, visited_at=evening).visit
    assert recorded.visited_on == dt.date(2026, 3, 16)
    assert (recorded.province_code, recorded.commune_code, recorded.village_id) == (
        KHANH_HOA,
        field.to_1.commune_code,
        field.to_1.id,
    )
    assert recorded.household_id == resident.household_id


def test_a_visit_from_a_clock_far_ahead_is_refused(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1)
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(CampaignError):
        visit(session, field, resident.person_id, visited_at=ahead)


def test_a_settled_household_leaves_the_worklist(session: Session, field: Field) -> None:
    resident = add_citizen(session, field.to_1, level2=False)
    page = field_worklist(
        session, field.member, village_id=field.to_1.id, offset=0, limit=10, today=TODAY
    )
    assert page is not None and page.total == 1
    visit(session, field, resident.person_id, Outcome.NOT_HOME)
    page = field_worklist(
        session, field.member, village_id=field.to_1.id, offset=0, limit=10, today=TODAY
    )
    assert page is not None and page.households[0].people[0].last_outcome is Outcome.NOT_HOME
    visit(
        session,
        field,
        resident.person_id,
        Outcome.GUIDED_ACTIVATED,
        visited_at=AT + dt.timedelta(hours=1),
    )
    page = field_worklist(
        session, field.member, village_id=field.to_1.id, offset=0, limit=10, today=TODAY
    )
    assert page is not None and page.total == 0


def test_a_bad_visit_id_or_outcome_is_refused() -> None:
    with pytest.raises(CampaignError):
        fieldwork.parse_client_uuid("not-a-uuid")
    with pytest.raises(CampaignError):
        fieldwork.parse_outcome("guided")


def test_a_form_sent_twice_later_is_still_one_visit(
    session: Session, field: Field, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the script the server's clock is the time: a second submission of the same
    form, seconds later, is the same visit, not a conflict."""
    resident = add_citizen(session, field.to_1)
    sent = str(uuid.uuid4())
    times = iter([AT, AT + dt.timedelta(seconds=3)])
    monkeypatch.setattr(fieldwork, "utcnow", lambda: next(times))
    first, again = (
        record_visit(
            session,
            field.member,
            client_uuid=sent,
            person_id=resident.person_id,
            outcome=Outcome.REFUSED,
            visited_at=None,
        )
        for _ in range(2)
    )
    assert (first.created, again.created, again.visit.id) == (True, False, first.visit.id)
    assert first.visit.visited_at.replace(tzinfo=dt.UTC) == AT


@given(st.uuids())
def test_any_uuid_is_read_in_canonical_form(value: uuid.UUID) -> None:
    assert fieldwork.parse_client_uuid(str(value).upper()) == str(value)
    assert fieldwork.parse_client_uuid(value.hex) == str(value)


@given(st.text(max_size=40))
def test_other_text_is_refused_or_read_back_as_itself(text: str) -> None:
    """What a phone sends is either refused or names exactly one UUID."""
    try:
        parsed = fieldwork.parse_client_uuid(text)
    except CampaignError:
        return
    assert uuid.UUID(parsed) == uuid.UUID(text)
