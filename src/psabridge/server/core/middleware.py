"""Require a logged-in user for every page except login, the webhook, health and static."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

PUBLIC_PREFIXES = ("/login/", "/webhooks/", "/static/", "/healthz", "/metrics", "/api/")


class LoginRequiredMiddleware:
    """Redirect anonymous visitors to the login page; the API answers 401 by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PUBLIC_PREFIXES) or request.user.is_authenticated:
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
