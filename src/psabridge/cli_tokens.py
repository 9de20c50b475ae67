"""The `psabridge token` commands: REST API tokens with a scope and an expiry; list, revoke."""

from __future__ import annotations

import json
import sys

import typer

from psabridge import launcher

token_app = typer.Typer(help="REST API tokens (also for /metrics).")


@token_app.command("create")
def token_create(
    name: str,
    scope: str = typer.Option("read", help="read (GET only) or admin (every action)."),
    days: int = typer.Option(0, help="Expires after this many days (0: never)."),
) -> None:
    """Create a token and print it once (only its hash is kept)."""
    launcher.django_setup()
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from psabridge.server.core.access import SCOPES, digest
    from psabridge.server.core.models import ApiToken

    if scope not in SCOPES or days < 0:
        print(
            f"psabridge token create: scope must be {' or '.join(SCOPES)}, days 0 or more",
            file=sys.stderr,
        )
        raise typer.Exit(2)
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days) if days else None
    ApiToken.objects.create(name=name, token_sha256=digest(token), scope=scope, expires_at=expires)
    print(token)


@token_app.command("list")
def token_list(
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
) -> None:
    """List the tokens: name, scope, state, created, expiry, last use (never the token)."""
    launcher.django_setup()
    from psabridge.server.core.models import ApiToken

    for token in ApiToken.objects.order_by("created_at"):
        state = "revoked" if token.revoked_at else "active"
        if as_json:
            fields = ("name", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
            row = {name: getattr(token, name) for name in fields}
            print(json.dumps({**row, "state": state}, default=str, sort_keys=True))
            continue
        expires = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "no expiry"
        used = f"last used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "unused"
        print(
            f"{token.name}\t{token.scope}\t{state}\tcreated {token.created_at:%Y-%m-%d}\t"
            f"{expires}\t{used}"
        )


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke every active token of that name, at once."""
    launcher.django_setup()
    from django.utils import timezone

    from psabridge.server.core.models import ApiToken

    revoked = ApiToken.objects.filter(name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        print(f"psabridge token revoke: no active token named {name!r}", file=sys.stderr)
        raise typer.Exit(2)
    print(f"revoked {revoked} token(s) named {name!r}")
