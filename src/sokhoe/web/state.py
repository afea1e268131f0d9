"""What the app holds for its whole life, typed, so handlers need no ``getattr`` on app state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from sokhoe.access.identity import IdentityProvider
from sokhoe.config import Settings
from sokhoe.insurance.card_token.keyring import CurrentKeyRing
from sokhoe.runtime import Database

if TYPE_CHECKING:
    from sokhoe.web.coalescer import Coalescer
    from sokhoe.web.his_bundles import Answer, BundlePost
    from sokhoe.web.templating import Templates


@dataclass(frozen=True)
class WebState:
    settings: Settings
    database: Database
    templates: Templates
    #: One provider for the app's life: its per-address throttle counts across requests.
    identity: IdentityProvider
    #: Key for the HMAC of pre-session tokens (the login form's CSRF token).
    secret_key: bytes
    #: The card-token key ring of ``settings.home``, re-read when a rotation changes it.
    key_ring: CurrentKeyRing
    #: ``POST /fhir``'s bundles, stored a group at a time.
    bundle_posts: Coalescer[BundlePost, Answer]


def web_state(connection: HTTPConnection) -> WebState:
    """The :class:`WebState` of the app serving ``connection``."""
    state = connection.app.state.web
    assert isinstance(state, WebState)
    return state
