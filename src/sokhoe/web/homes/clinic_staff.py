"""The clinic reception's home: the facility, today's check-ins (a count) and the cards
registered there for primary care, and the way to a patient's health book (by the patient's
consent or in an emergency). This page holds no personal data (the day's list of names is a
page of its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import service as insurance_service
from sokhoe.insurance.service import CardFigures
from sokhoe.records.check_in import count_check_ins, visit_day
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Commune, Facility
from sokhoe.web.home import HomeView, register_home


@dataclass(frozen=True)
class ClinicHome:
    facility: Facility
    commune: Commune | None
    cards: CardFigures
    check_ins_today: int


@register_home(Role.CLINIC_STAFF)
def clinic_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.facility_code is not None  # the role's scope
    facility = registry_service.get_facility(session, actor.facility_code)
    assert facility is not None  # enforced by the account's foreign key
    home = ClinicHome(
        facility=facility,
        commune=registry_service.get_commune(session, facility.commune_code),
        cards=insurance_service.card_figures(
            session, today=dt.date.today(), facility_code=facility.code
        ),
        check_ins_today=count_check_ins(
            session, facility_code=facility.code, day=visit_day(dt.datetime.now(dt.UTC))
        ),
    )
    return "homes/clinic_staff.html", {"home": home}
