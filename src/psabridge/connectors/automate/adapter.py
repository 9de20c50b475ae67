"""AutomateClients: our RmmClients port (clients and their PSA links) on the Automate client."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from psabridge.connectors.automate.client import AutomateClient
from psabridge.connectors.errors import (
    AuthError,
    ConnectorError,
    PermissionDeniedError,
    RateLimitedError,
)
from psabridge.connectors.ports import ValidationResult
from psabridge.connectors.ports_agreements import AutomateClient as RmmClient


class AutomateClients:
    """The RmmClients port for one ConnectWise Automate integrator user."""

    def __init__(self, client: AutomateClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls, server_url: str, username: str, password: SecretStr, client_id: str, **options: Any
    ) -> AutomateClients:
        """Return the adapter with its own client; `options` go to the HttpClient."""
        return cls(AutomateClient.connect(server_url, username, password, client_id, **options))

    def __repr__(self) -> str:
        return f"AutomateClients({self.client!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Request a token, then read one client; never raise."""
        try:
            self.client.login()
            self.client.clients_page(1, page_size=1)
        except PermissionDeniedError:
            return ValidationResult(
                "missing_permission",
                "The ConnectWise Automate user may not read clients. Give its user class "
                "read access to Clients.",
                ("Clients",),
            )
        except AuthError as exc:
            return ValidationResult("invalid_key", f"{exc.message}. {_AUTH_HINT}")
        except RateLimitedError:
            return ValidationResult(
                "cannot_connect", "ConnectWise Automate is rate limiting; try again in a minute."
            )
        except ConnectorError as exc:
            return ValidationResult(
                "cannot_connect",
                f"Cannot connect to ConnectWise Automate at this server URL ({exc.message}).",
            )
        return ValidationResult("ok", "Connected to ConnectWise Automate.")

    def clients(self) -> list[RmmClient]:
        """Return every client; `external_id` is the linked PSA company id (None: not linked)."""
        return [
            RmmClient(id=str(c.id), name=c.name or c.company or "", external_id=c.linked_company_id)
            for c in self.client.clients()
        ]


_AUTH_HINT = (
    "Check the integrator user's name and password and the integration's ClientId "
    "(developer.connectwise.com/ClientID)"
)
