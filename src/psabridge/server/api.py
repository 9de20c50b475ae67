"""The REST API root (django-ninja): authentication and the routers of every app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from psabridge.server.alerts.api import router as alerts_router
from psabridge.server.alerts.push_api import router as push_router
from psabridge.server.billing.api import router as billing_router
from psabridge.server.core import access
from psabridge.server.core.models import ApiToken
from psabridge.server.dashboard.api import router as events_router
from psabridge.server.mappings.api import router as mappings_router
from psabridge.server.ticketing.api import router as ticketing_router


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token made by `psabridge token create`: valid (not
    revoked or expired) and of a scope that allows the method (read tokens only read)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return access.token_for(token, request.method or "GET")


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> object | None:
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="psabridge API",
    version="1",
    description="Alerts, events, mappings, billing and the actions of psabridge. Authenticate "
    "with a session or a bearer token from `psabridge token create NAME`.",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    docs_decorator=access.token_or_login,  # the document describes what is there: not public
)
api.add_router("/alerts", alerts_router)
api.add_router("/events", events_router)
api.add_router("/mappings", mappings_router)
api.add_router("/billing", billing_router)
api.add_router("/push", push_router)
api.add_router("/ticketing", ticketing_router)
