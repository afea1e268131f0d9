"""Schools and enterprises: importing rosters, a contact's worklist and her visits, and who
may not (R12, R13, R16), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.bulk.messages import FileRejected
from sokhoe.campaign import establishments
from sokhoe.campaign.establishment_models import Establishment, EstablishmentMember
from sokhoe.campaign.establishments_import import RosterReport, import_rosters
from sokhoe.campaign.fieldwork import VisitConflict, field_worklist
from sokhoe.campaign.models import FieldVisit
from sokhoe.campaign.service import CampaignError
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.registry.models import Citizen
from tests.campaign.conftest import Field, account, refreshed
from tests.campaign.test_fieldwork import add_card
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_citizen

TODAY = dt.date(2026, 3, 20)
AT = dt.datetime(2026, 3, 20, 2, 30, tzinfo=dt.UTC)
HEADER = "kind,code,name,commune_code,head_name,person_id,role"
SCHOOL = f"school,THCS01,Trường THCS Nha Trang,{NHA_TRANG},Lê Thị Hoa"
FACTORY = f"enterprise,DN01,Công ty TNHH Thủy sản,{NHA_TRANG},Trần Văn Bình"


def roster(tmp_path: Path, lines: list[str], name: str = "truong.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run_import(engine: Engine, path: Path) -> RosterReport:
    return import_rosters(sessionmaker(engine, expire_on_commit=False), path)


def members(session: Session) -> set[tuple[str, str, str]]:
    session.expire_all()
    rows = session.execute(
        select(Establishment.code, EstablishmentMember.person_id, EstablishmentMember.role).join(
            Establishment, Establishment.id == EstablishmentMember.establishment_id
        )
    )
    return {tuple(row) for row in rows}  # type: ignore[misc]


def test_good_rows_go_through_and_bad_rows_name_file_line_and_field(
    engine: Engine, session: Session, field: Field, tmp_path: Path
) -> None:
    pupil = add_citizen(session, field.to_1, born=dt.date(2013, 9, 1))
    teacher = add_citizen(session, field.to_2, born=dt.date(1980, 1, 1))
    worker = add_citizen(session, field.to_9, born=dt.date(1995, 1, 1))
    session.commit()
    path = roster(
        tmp_path,
        [
            f"{SCHOOL},{pupil.person_id},pupil",
            f"{SCHOOL},{teacher.person_id},staff",
            f"{FACTORY},{worker.person_id},employee",
            f"school,THCS02,Trường khác,99999,,{pupil.person_id},pupil",  # line 5
            f"{SCHOOL},05619901234,pupil",  # line 6: 11 digits
            f"{SCHOOL},056199012345,pupil",  # line 7: not in the register
            f"hospital,BV01,Bệnh viện,{NHA_TRANG},,{pupil.person_id},pupil",  # line 8
            f"{FACTORY},{teacher.person_id},pupil",  # line 9: no pupils at a factory
            f"school,THCS01,Tên khác,{NHA_TRANG},Lê Thị Hoa,{worker.person_id},staff",  # 10
            f"{SCHOOL},{pupil.person_id},pupil",  # line 11: twice
        ],
    )
    report = run_import(engine, path)
    assert (report.establishments, report.members, report.removed) == (2, 3, 0)
    messages = {p.line: p.message() for p in report.problems}
    assert sorted(messages) == [5, 6, 7, 8, 9, 10, 11]
    assert messages[5].startswith("truong.csv, dòng 5, cột commune_code:")
    assert "99999" in messages[5]
    assert messages[6].startswith("truong.csv, dòng 6, cột person_id: mã định danh phải gồm 12")
    assert messages[7] == (
        "truong.csv, dòng 7, cột person_id: không có người mang mã định danh này trong sổ đăng ký"
    )
    assert messages[8].startswith("truong.csv, dòng 8, cột kind: loại cơ sở 'hospital'")
    assert messages[9].startswith("truong.csv, dòng 9, cột role: vai trò 'pupil' không hợp lệ")
    assert "dòng 2" in messages[10] and "dòng 2" in messages[11]
    assert members(session) == {
        ("THCS01", pupil.person_id, "pupil"),
        ("THCS01", teacher.person_id, "staff"),
        ("DN01", worker.person_id, "employee"),
    }
    school = establishments.find_establishment(session, KHANH_HOA, "school", "THCS01")
    assert (school.name, school.head_name, school.commune_code) == (
        "Trường THCS Nha Trang",
        "Lê Thị Hoa",
        NHA_TRANG,
    )


def test_reimport_is_idempotent_and_the_roster_follows_the_file(
    engine: Engine, session: Session, field: Field, tmp_path: Path
) -> None:
    people = [add_citizen(session, field.to_1, born=dt.date(2012, 1, 1)) for _ in range(4)]
    worker = add_citizen(session, field.to_1)
    session.commit()
    lines = [f"{SCHOOL},{p.person_id},pupil" for p in people] + [
        f"{FACTORY},{worker.person_id},employee"
    ]
    path = roster(tmp_path, lines)
    run_import(engine, path)
    first = members(session)
    again = run_import(engine, path)
    assert members(session) == first and again.removed == 0
    assert session.scalar(select(func.count()).select_from(Establishment)) == 2
    # One pupil left the school, another became staff; the factory is not in the new file.
    changed = roster(
        tmp_path,
        [f"{SCHOOL},{p.person_id},pupil" for p in people[:2]]
        + [f"{SCHOOL},{people[2].person_id},staff"],
    )
    report = run_import(engine, changed)
    assert report.removed == 1  # people[3]; people[2] stays, as staff
    assert members(session) == {
        ("THCS01", people[0].person_id, "pupil"),
        ("THCS01", people[1].person_id, "pupil"),
        ("THCS01", people[2].person_id, "staff"),
        ("DN01", worker.person_id, "employee"),
    }


def test_a_batch_holds_whole_establishments(
    engine: Engine, session: Session, field: Field, tmp_path: Path
) -> None:
    people = [add_citizen(session, field.to_1) for _ in range(6)]
    session.commit()
    lines = [
        f"enterprise,DN{n % 3},Công ty {n % 3},{NHA_TRANG},,{p.person_id},employee"
        for n, p in enumerate(people)
    ]
    report = import_rosters(sessionmaker(engine), roster(tmp_path, lines), batch_rows=2)
    assert (report.establishments, report.members) == (3, 6)
    assert len(members(session)) == 6


def test_an_unreadable_file_is_refused_whole(engine: Engine, field: Field, tmp_path: Path) -> None:
    missing = tmp_path / "thieu.csv"
    missing.write_text("kind,code,name,commune_code,person_id,role\n", encoding="utf-8")
    with pytest.raises(FileRejected) as refused:
        run_import(engine, missing)
    assert refused.value.problem.message() == (
        "thieu.csv, dòng 1, cột head_name: thiếu cột bắt buộc 'head_name'"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nschool,X,Tr\xf2 H\xf2a,22366,,1,pupil\n")
    with pytest.raises(FileRejected):
        run_import(engine, latin)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("configured")
def test_the_command_exits_0_1_2(session: Session, field: Field, tmp_path: Path) -> None:
    pupil = add_citizen(session, field.to_1, born=dt.date(2013, 9, 1))
    session.commit()
    runner = CliRunner()
    good = roster(tmp_path, [f"{SCHOOL},{pupil.person_id},pupil"], "good.csv")
    assert runner.invoke(app, ["establishments", "import", str(good)]).exit_code == 0
    bad = roster(tmp_path, [f"{SCHOOL},123,pupil"], "bad.csv")
    result = runner.invoke(app, ["establishments", "import", str(bad)])
    assert result.exit_code == 1 and "bad.csv, dòng 2, cột person_id" in result.output
    unusable = tmp_path / "empty.csv"
    unusable.write_text("", encoding="utf-8")
    assert runner.invoke(app, ["establishments", "import", str(unusable)]).exit_code == 2
    contact = ["establishments", "contact", "school", "THCS01", "thanhvien"]
    assert runner.invoke(app, contact).exit_code == 0
    stranger = runner.invoke(app, ["establishments", "contact", "school", "THCS01", "nguoila"])
    assert stranger.exit_code == 1


# --- a school with its contact ---------------------------------------------------------


class School:
    def __init__(self, session: Session, field: Field) -> None:
        self.young = add_citizen(session, field.to_1, born=dt.date(2014, 5, 1))  # 11
        self.old = add_citizen(session, field.to_2, born=dt.date(2010, 5, 1), level2=False)
        self.done = add_citizen(session, field.to_1, born=dt.date(2010, 6, 1))
        self.elsewhere = add_citizen(session, field.to_9, born=dt.date(2013, 1, 1))
        self.teacher_person = add_citizen(session, field.to_1, born=dt.date(1980, 1, 1))
        self.unplaced = add_citizen(session, field.to_1, born=dt.date(2011, 2, 2), level2=False)
        self.unplaced.village_id = None
        self.outsider = add_citizen(session, field.to_1, born=dt.date(2012, 1, 1), level2=False)
        add_card(session, self.young.person_id, integrated=False)
        add_card(session, self.done.person_id, integrated=True)
        add_card(session, self.elsewhere.person_id, integrated=True)
        session.add(
            User(
                username="hs.done",
                display_name="x",
                role=Role.CITIZEN.value,
                person_id=self.done.person_id,
                active=True,
                last_login_at=AT,
            )
        )
        self.school = Establishment(
            kind="school",
            province_code=KHANH_HOA,
            commune_code=NHA_TRANG,
            code="THCS01",
            name="Trường THCS Nha Trang",
            head_name="Lê Thị Hoa",
        )
        session.add(self.school)
        session.flush()
        roles = {
            self.young: "pupil",
            self.old: "pupil",
            self.done: "pupil",
            self.elsewhere: "pupil",
            self.teacher_person: "staff",
            self.unplaced: "pupil",
        }
        for citizen, role in roles.items():
            session.add(
                EstablishmentMember(
                    establishment_id=self.school.id, person_id=citizen.person_id, role=role
                )
            )
        user = account(
            session,
            "giaovien",
            Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[field.to_2.id],
        )
        establishments.add_contact(session, self.school, "giaovien")
        self.teacher = refreshed(session, user)
        session.commit()


@pytest.fixture
def school(session: Session, field: Field) -> School:
    return School(session, field)


def worklist(
    session: Session, actor: Actor, school: School
) -> establishments.EstablishmentWorklist:
    page = establishments.establishment_worklist(session, actor, school.school.id, TODAY)
    assert page is not None
    return page


def record(
    session: Session, actor: Actor, school: School, person: Citizen, outcome: Outcome, **kw: object
) -> establishments.RecordedVisit:
    return establishments.record_establishment_visit(
        session,
        actor,
        establishment_id=kw.pop("establishment_id", school.school.id),  # type: ignore[arg-type]
        client_uuid=str(kw.pop("client_uuid", uuid.uuid4())),
        person_id=person.person_id,
        outcome=outcome,
        visited_at=kw.pop("visited_at", AT),  # type: ignore[arg-type]
    )


def test_the_worklist_lists_who_still_needs_something(session: Session, school: School) -> None:
    page = worklist(session, school.teacher, school)
    listed = {p.person_id: p for group in page.groups for p in group.people}
    # done: 15, level 2, signed in, card integrated; elsewhere: 13, card integrated
    assert set(listed) == {
        school.young.person_id,
        school.old.person_id,
        school.teacher_person.person_id,
        school.unplaced.person_id,
    }
    assert page.total == 4
    assert [g.role.value for g in page.groups] == ["pupil", "staff"]
    young = listed[school.young.person_id]
    assert young.child and young.card_not_integrated
    assert not (young.no_level2 or young.book_not_activated)  # the guardian's business
    old = listed[school.old.person_id]
    assert not old.child and old.no_level2 and old.book_not_activated
    assert not old.card_not_integrated  # no card listed
    assert school.outsider.person_id not in listed


def test_visits_are_recorded_once_and_settled_members_leave(
    session: Session, field: Field, school: School
) -> None:
    sent = uuid.uuid4()
    first = record(session, school.teacher, school, school.old, Outcome.NOT_HOME, client_uuid=sent)
    again = record(session, school.teacher, school, school.old, Outcome.NOT_HOME, client_uuid=sent)
    assert (first.created, again.created, again.visit.id) == (True, False, first.visit.id)
    with pytest.raises(VisitConflict):
        record(session, school.teacher, school, school.old, Outcome.REFUSED, client_uuid=sent)
    visit = first.visit
    assert (visit.establishment_id, visit.commune_code, visit.village_id) == (
        school.school.id,
        NHA_TRANG,
        field.to_2.id,  # his register village, not the school's
    )
    listed = {
        p.person_id: p for g in worklist(session, school.teacher, school).groups for p in g.people
    }
    assert listed[school.old.person_id].last_outcome is Outcome.NOT_HOME
    later = AT + dt.timedelta(hours=1)
    record(session, school.teacher, school, school.old, Outcome.GUIDED_ACTIVATED, visited_at=later)
    record(session, school.teacher, school, school.unplaced, Outcome.GUIDED_ACTIVATED)
    page = worklist(session, school.teacher, school)
    assert page.total == 2
    unplaced = session.scalars(
        select(FieldVisit).where(FieldVisit.person_id == school.unplaced.person_id)
    ).one()
    assert unplaced.village_id is None and unplaced.commune_code == NHA_TRANG
    # A visit at school settles him on his village's household list too.
    home = field_worklist(
        session, field.member, village_id=field.to_1.id, offset=0, limit=50, today=TODAY
    )
    assert home is not None
    at_home = {p.person_id: p for h in home.households for p in h.people}
    assert at_home[school.young.person_id].needs_visit


def test_a_visit_from_home_settles_a_member_at_school(
    session: Session, field: Field, school: School
) -> None:
    from tests.campaign.test_fieldwork import visit

    visit(session, field, school.young.person_id, Outcome.CARD_INTEGRATED)
    listed = {
        p.person_id for g in worklist(session, school.teacher, school).groups for p in g.people
    }
    assert school.young.person_id not in listed


def _last_audit(session: Session) -> AuditEntry:
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    return entry


def test_outsiders_are_refused_and_audited(session: Session, field: Field, school: School) -> None:
    """A member of the same commune who is not a contact, another commune's member, a
    commune officer; and the contact herself for someone not on the roster."""
    for actor in (field.member, field.stranger, field.officer, field.other_officer):
        with pytest.raises(AccessDenied):
            worklist(session, actor, school)
        entry = _last_audit(session)
        assert (entry.action, entry.outcome, entry.actor_user_id) == (
            "list_establishment_worklist",
            "denied",
            actor.user_id,
        )
        with pytest.raises(AccessDenied):
            record(session, actor, school, school.young, Outcome.NOT_HOME)
        entry = _last_audit(session)
        assert (entry.action, entry.outcome, entry.subject_person_id) == (
            "record_establishment_visit",
            "denied",
            school.young.person_id,
        )
    with pytest.raises(AccessDenied):
        record(session, school.teacher, school, school.outsider, Outcome.NOT_HOME)
    assert _last_audit(session).outcome == "denied"
    with pytest.raises(AccessDenied):
        establishments.establishment_worklist(session, school.teacher, 999_999, TODAY)
    assert session.scalar(select(func.count()).select_from(FieldVisit)) == 0
    worklist(session, school.teacher, school)
    entry = _last_audit(session)
    assert (entry.action, entry.outcome, entry.detail) == (
        "list_establishment_worklist",
        "allowed",
        f"cơ sở {school.school.id}, trang 1",
    )


def test_another_communes_member_cannot_become_a_contact(
    session: Session, field: Field, school: School
) -> None:
    with pytest.raises(CampaignError):
        establishments.add_contact(session, school.school, "nguoila")
    other = Establishment(
        kind="enterprise",
        province_code=KHANH_HOA,
        commune_code=BAC_NHA_TRANG,
        code="DN9",
        name="Công ty Bắc",
        head_name="",
    )
    session.add(other)
    session.flush()
    establishments.add_contact(session, other, "nguoila")
    mine = establishments.contact_establishments(session, field.stranger)
    assert [(line.establishment.code, line.members) for line in mine] == [("DN9", 0)]
    assert [
        (line.establishment.code, line.members)
        for line in establishments.contact_establishments(session, school.teacher)
    ] == [("THCS01", 6)]
