"""Who may call what: API tokens (scope, expiry, revocation), the guard of /metrics and the
OpenAPI document, and login throttling."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from psabridge.server.core.models import ApiToken, LoginFailure

SCOPES = ("read", "admin")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_ALLOWED = 10  # per user name within the window


def digest(token: str) -> str:
    """Return the SHA-256 stored for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(raw: str, method: str) -> ApiToken | None:
    """Return the valid token a request presents: known, not revoked or expired, and allowed
    the method (read tokens only read)."""
    found = ApiToken.objects.filter(token_sha256=digest(raw), revoked_at__isnull=True).first()
    now = timezone.now()
    if found is None or (found.expires_at is not None and found.expires_at <= now):
        return None
    if found.scope != "admin" and method.upper() not in SAFE_METHODS:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def bearer(request: HttpRequest) -> str:
    """Return the bearer token of a request ("" when none)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_or_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a logged-in user or a valid API token through; answer 401 to anyone else."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        allowed = bool(user and user.is_authenticated)
        if not allowed and bearer(request):
            allowed = token_for(bearer(request), request.method or "GET") is not None
        if not allowed:
            body = {"error": "unauthorized", "detail": "log in or send an API token (Bearer)"}
            return JsonResponse(body, status=401)
        return view(request, *args, **kwargs)

    return guarded


def metrics_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """/metrics is public only when PSABRIDGE_METRICS_PUBLIC says so; else token or login."""
    guarded = token_or_login(view)

    @wraps(view)
    def chosen(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.METRICS_PUBLIC:
            return view(request, *args, **kwargs)
        return guarded(request, *args, **kwargs)

    return chosen


def login_locked(username: str, now: Any = None) -> timedelta | None:
    """Return how long logins of `username` stay refused after too many failures, or None."""
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(username=username.casefold(), at__gt=now - LOGIN_WINDOW)
    if recent.count() < LOGIN_FAILURES_ALLOWED:
        return None
    newest = recent.order_by("-at").values_list("at", flat=True).first()
    assert newest is not None
    return newest + LOGIN_WINDOW - now


def login_failed(username: str, address: str) -> None:
    """Record a failed login (and forget failures older than the window)."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=now - LOGIN_WINDOW).delete()
    LoginFailure.objects.create(username=username.casefold()[:150], address=address[:64], at=now)


def login_succeeded(username: str) -> None:
    """Forget a user's failed logins."""
    LoginFailure.objects.filter(username=username.casefold()).delete()
