"""Pydantic models of ConnectWise Automate answers (PascalCase; ids as numbers or strings)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _text(value: Any) -> Any:
    return None if value is None else str(value).strip()


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Text = Annotated[str | None, BeforeValidator(_text)]
UtcDatetime = Annotated[datetime | None, AfterValidator(_as_utc)]


class AutomateModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TokenResult(AutomateModel):
    """Reference: connectwise.md §4.1 (TokenResult)."""

    access_token: str = Field(alias="AccessToken")
    token_type: str = Field("Bearer", alias="TokenType")
    expiration_date: UtcDatetime = Field(None, alias="ExpirationDate")
    is_two_factor_required: bool = Field(False, alias="IsTwoFactorRequired")


class ErrorBody(AutomateModel):
    message: Text = Field(None, alias="Message")


class Client(AutomateModel):
    """Reference: connectwise.md §4.2 (LabTech.Models.Client); ExternalId: §4.3, contract."""

    id: Text = Field(alias="Id")
    name: Text = Field(None, alias="Name")
    company: Text = Field(None, alias="Company")
    external_id: Text = Field(None, alias="ExternalId")

    @property
    def linked_company_id(self) -> str | None:
        """Return the PSA company id, None when not linked (0, "" or null; contract 6.16)."""
        value = (self.external_id or "").strip()
        return None if value in ("", "0") else value
