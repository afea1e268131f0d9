"""The application factory: routers, middleware, error pages, static files, templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from sokhoe import runtime
from sokhoe.access.audit_sealer import AuditSealer
from sokhoe.access.identity import LocalPasswordIdentity
from sokhoe.campaign.findings import import_run
from sokhoe.campaign.snapshot_schedule import SnapshotScheduler
from sokhoe.config import Settings, get_settings
from sokhoe.insurance.card_token import views as card_token_views
from sokhoe.insurance.card_token.keyring import CurrentKeyRing
from sokhoe.reconcile.run_worker import RunWorker
from sokhoe.web import (
    audit_check,
    book_download_views,
    book_views,
    campaign_views,
    card_check_views,
    check_in_views,
    commune_report_views,
    consent_views,
    dashboard_views,
    emergency_review_views,
    establishment_views,
    health,
    his_api,
    home,
    language,
    login,
    paper_card_views,
    presentation_views,
    province_report_views,
    reconcile_views,
    record_review_views,
    review_views,
    wallet_api,
    wallet_views,
)
from sokhoe.web.coalescer import Coalescer
from sokhoe.web.errors import install_error_handlers
from sokhoe.web.his_auth import HisRefused, his_refused
from sokhoe.web.his_bundles import GROUP_LIMIT, store_bundles
from sokhoe.web.i18n import LOCALES, load_translations
from sokhoe.web.request_log import RequestLogMiddleware
from sokhoe.web.secret_key import load_secret_key
from sokhoe.web.security_headers import STATIC_PREFIX, SecurityHeadersMiddleware
from sokhoe.web.state import WebState
from sokhoe.web.templating import Templates

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Every router of the app. A context adding pages appends its router here, so the route
#: rules in ``tests/web/test_routes.py`` (CSRF on every POST) cover it too. Requests are
#: matched in this order, route by route: hospitals' systems come first, their requests
#: arriving by the hundred a second.
ROUTERS: tuple[APIRouter, ...] = (
    his_api.router,
    health.router,
    login.router,
    language.router,
    home.router,
    audit_check.router,
    card_token_views.router,
    card_check_views.router,
    check_in_views.router,
    reconcile_views.router,
    wallet_views.router,
    presentation_views.router,
    book_views.router,
    book_download_views.router,
    consent_views.router,
    paper_card_views.router,
    review_views.router,
    emergency_review_views.router,
    record_review_views.router,
    wallet_api.router,
    campaign_views.router,
    dashboard_views.router,
    commune_report_views.router,
    establishment_views.router,
    province_report_views.router,
)


def create_app(
    database: runtime.Database | None = None, *, settings: Settings | None = None
) -> FastAPI:
    """The web app on ``database`` (default: the configured one, opened and migrated here,
    and disposed of when the app shuts down)."""
    settings = settings or get_settings()
    owns_database = database is None
    database = database or runtime.open_database()

    worker = RunWorker(database, after=import_run)
    sealer = AuditSealer(database.sessions)
    snapshots = SnapshotScheduler(database, dt.timedelta(minutes=settings.snapshot_every_minutes))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        sealer.start()
        snapshots.start()
        yield
        snapshots.stop()
        worker.stop()
        sealer.stop()
        if owns_database:
            database.engine.dispose()

    app = FastAPI(
        title="Sổ Khỏe",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = WebState(
        settings=settings,
        database=database,
        templates=Templates({locale: load_translations(locale) for locale in LOCALES}),
        identity=LocalPasswordIdentity(settings),
        secret_key=load_secret_key(settings),
        key_ring=CurrentKeyRing(settings.home),
        bundle_posts=Coalescer(partial(store_bundles, database.sessions), limit=GROUP_LIMIT),
    )
    #: Carries out reconciliation runs, one at a time (``reconcile_views`` wakes it).
    app.state.reconcile_worker = worker
    install_error_handlers(app)
    app.add_exception_handler(HisRefused, his_refused)
    # Added last runs first: security headers wrap everything, the 500 fallback included.
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=STATIC_DIR), name="static")
    home.load_homes()
    for router in ROUTERS:
        app.include_router(router)
    return app
