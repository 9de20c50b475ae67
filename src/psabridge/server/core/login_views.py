"""The login page, throttled: after 10 failed logins of a user name in 15 minutes, even the
right password is refused until the window has passed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse

from psabridge.server.core import access


class ThrottledLoginView(auth_views.LoginView):
    """Django's login view, refusing a user name that failed too often."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        wait = access.login_locked(username)
        if wait is not None:
            minutes = max(1, round(wait.total_seconds() / 60))
            locked = (
                f"Too many failed logins for this user: try again in {minutes} minute(s), or "
                "reset the password with psabridge admin reset-password."
            )
            context = self.get_context_data(form=self.get_form(), locked=locked)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        address = self.request.META.get("REMOTE_ADDR", "") or ""
        access.login_failed(str(form.data.get("username", "")), address)
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        access.login_succeeded(form.get_user().get_username())
        return super().form_valid(form)
