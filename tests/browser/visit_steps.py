"""Steps of the phone lists of people to guide (households, rosters): the two taps, and the
visits the server holds for an account."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select

from sokhoe.access.models import User
from sokhoe.campaign.models import FieldVisit
from tests.browser.conftest import LiveServer


def recorded_outcomes(live_server: LiveServer, username: str) -> dict[str, str]:
    """Person ID to outcome of the visits ``username`` recorded, as the database has them."""
    with live_server.database.sessions() as session:
        member = session.scalar(select(User.id).where(User.username == username))
        rows = session.execute(
            select(FieldVisit.person_id, FieldVisit.outcome).where(
                FieldVisit.member_user_id == member
            )
        )
        return {str(row.person_id): row.outcome for row in rows}


def tap(page: Page, name: str, outcome: str) -> None:
    """The two taps: the person, then what happened."""
    person = page.locator("li.person").filter(has_text=name)
    person.locator("summary").click()
    person.get_by_role("button", name=outcome, exact=True).click()
