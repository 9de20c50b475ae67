"""The ConnectWise PSA session: site URLs, codebase discovery and the API call helpers."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from limits import RateLimitItem, RateLimitItemPerMinute
from pydantic import BaseModel, SecretStr

from psabridge.connectors.connectwise import models
from psabridge.connectors.connectwise.paging import DEFAULT_MAX_PAGES, PAGE_MAX, Page, read_all
from psabridge.connectors.connectwise.paging import next_page as _next_page
from psabridge.connectors.connectwise.responses import (
    Expect,
    api_check,
    parse,
    parse_list,
    require_json,
)
from psabridge.connectors.errors import ConfigError, NotFoundError, TransientError
from psabridge.connectors.http import HttpClient, secret_fingerprint

SYSTEM = "connectwise"
# Reference: connectwise.md §2.5 (about 1,000 requests a minute per key before throttling);
# we keep a 10% margin so that other integrations' bursts do not push us into 429s.
RATE_LIMITS: dict[str, RateLimitItem] = {"default": RateLimitItemPerMinute(900)}
# Reference: connectwise.md §1.2 (cloud hosts need the api- prefix; DJ adds aus. and za.)
_CLOUD_HOST = re.compile(r"^(na|eu|au|aus|za|staging)\.(myconnectwise\.net|connectwisedev\.com)$")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class CwCredentials:
    """An API member's keys for one PSA company; the keys never appear in a repr."""

    site_url: str
    company_id: str
    public_key: SecretStr
    private_key: SecretStr
    client_id: str = field(repr=False)

    def basic(self) -> str:
        """Return the Authorization value: Basic base64("<company>+<public>:<private>")."""
        user = f"{self.company_id}+{self.public_key.get_secret_value()}"
        raw = f"{user}:{self.private_key.get_secret_value()}"
        return "Basic " + base64.b64encode(raw.encode()).decode()

    def secrets(self) -> tuple[str, ...]:
        """Return every value to redact: the keys and the Basic token."""
        return (
            self.private_key.get_secret_value(),
            self.public_key.get_secret_value(),
            self.basic().removeprefix("Basic "),
        )


def site_root(site_url: str) -> str:
    """Return `https://<site>` for a site given with or without scheme or trailing path."""
    url = site_url.strip().rstrip("/")
    if not url:
        raise ConfigError("The ConnectWise PSA site URL is missing")
    if "://" not in url:
        url = f"https://{url}"
    parts = urlsplit(url)
    if not parts.netloc:
        raise ConfigError("The ConnectWise PSA site URL is not valid")
    return f"{parts.scheme}://{parts.netloc}"


def api_root(site: str) -> str:
    """Return the API host for `site`: cloud hosts get their `api-` prefix (reference §1.2)."""
    parts = urlsplit(site)
    host = parts.hostname or ""
    if _CLOUD_HOST.match(host):
        return f"{parts.scheme}://api-{parts.netloc}"
    return site


def cw_http(credentials: CwCredentials, **options: Any) -> HttpClient:
    """Return an HttpClient for the site with CW's budget item and secret redaction."""
    options.setdefault("rate_limits", RATE_LIMITS)
    site = site_root(credentials.site_url)
    identity = f"{site.lower()}|{credentials.company_id.lower()}|"
    identity += credentials.public_key.get_secret_value()
    return HttpClient(
        SYSTEM,
        base_url=site,
        rate_identity=secret_fingerprint(identity),  # the budget is per API key
        secrets=credentials.secrets(),
        **options,
    )


class CwSession:
    """Discover the codebase of one PSA site and send API calls (reference §1, §2)."""

    def __init__(
        self, credentials: CwCredentials, http: HttpClient, *, max_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        self.credentials = credentials
        self.site = site_root(credentials.site_url)
        self._http = http
        self._codebase: str | None = None
        self.max_pages = max_pages

    @classmethod
    def connect(
        cls,
        site_url: str,
        company_id: str,
        public_key: SecretStr,
        private_key: SecretStr,
        client_id: str,
        **http_options: Any,
    ) -> Self:
        """Return a client with its own HttpClient (`http_options` go to HttpClient)."""
        credentials = CwCredentials(site_url, company_id, public_key, private_key, client_id)
        return cls(credentials, cw_http(credentials, **http_options))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(site={self.site!r}, company={self.credentials.company_id!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secrets()

    # --- codebase discovery (reference §1.3) ----------------------------------------------------

    # Reference: connectwise.md §1.3 (GET <site>/login/companyinfo/<company>, no auth)
    def company_info(self) -> models.CompanyInfo:
        company = self.credentials.company_id
        expect = Expect("companyinfo", "company info")
        url = f"{self.site}/login/companyinfo/{quote(company, safe='')}"
        try:
            response = self._http.request(
                "GET", url, operation="companyinfo", check=_info_check(expect)
            )
        except NotFoundError:
            raise NotFoundError(
                f"ConnectWise PSA does not know the company id {company!r} at this site"
            ) from None
        info = parse(models.CompanyInfo, response.json(), "company info")
        if not info.codebase:
            raise ConfigError("This site answered without a ConnectWise PSA codebase")
        return info

    def codebase(self) -> str:
        """Return the cached codebase (e.g. `v2025_1/`), discovering it on first use."""
        if self._codebase is None:
            self._codebase = _normalized(self.company_info().codebase or "")
        return self._codebase

    def api_base(self) -> str:
        """Return `<api host>/<codebase>apis/3.0` (reference §1.2)."""
        return f"{api_root(self.site)}/{self.codebase()}apis/3.0"

    # --- API calls (reference §2) ---------------------------------------------------------------

    def request(self, method: str, path: str, expect: Expect, **options: Any) -> httpx.Response:
        """Send one API call; after a 404 ask companyinfo again and retry once if it moved."""
        codebase = self.codebase()
        try:
            return self._send(method, path, expect, **options)
        except NotFoundError:
            # Reference: connectwise.md §1.3 (DJ: hosted instances change codebase on upgrade)
            self._codebase = None
            if self.codebase() == codebase:
                raise
        return self._send(method, path, expect, **options)

    def _send(self, method: str, path: str, expect: Expect, **options: Any) -> httpx.Response:
        headers = {
            "Authorization": self.credentials.basic(),
            "clientId": self.credentials.client_id,
            "Accept": "application/json",
        }
        return self._http.request(
            method,
            f"{self.api_base()}/{path.lstrip('/')}",
            operation=expect.operation,
            headers=headers,
            idempotent=not expect.creates,
            check=api_check(expect, self.secrets),
            **options,
        )

    def page(self, path: str, what: str, params: Mapping[str, Any], number: int) -> Page:
        """Return one page of a list (`page`, `pageSize` in `params`)."""
        expect = Expect(f"{path}.list", what)
        response = self.request("GET", path, expect, params={**params, "page": number})
        body = response.json()
        if not isinstance(body, list):
            raise ConfigError(f"ConnectWise PSA answered with unexpected {what}")
        return Page(body, _next_page(response.headers.get("Link")))

    def read_list(
        self,
        path: str,
        model: type[M],
        what: str,
        *,
        conditions: str | None = None,
        fields: str | None = None,
        page_size: int = PAGE_MAX,
    ) -> list[M]:
        """Return every record of a list, read with `pageSize` and following `next` links."""
        params: dict[str, Any] = {"pageSize": page_size}
        if conditions:
            params["conditions"] = conditions
        if fields:
            params["fields"] = fields
        records = read_all(
            lambda n: self.page(path, what, params, n), what, page_size, self.max_pages
        )
        return parse_list(model, records, what)

    def one(self, path: str, item_id: int, model: type[M], what: str) -> M:
        """Return one record by id (404: NotFoundError naming it)."""
        expect = Expect(f"{path}.get", what, item_id=str(item_id))
        return parse(model, self.request("GET", f"{path}/{item_id}", expect).json(), what)

    def send_json(self, method: str, path: str, body: Any, expect: Expect, model: type[M]) -> M:
        """POST or PATCH `body` and return the answer as `model`."""
        return parse(model, self.request(method, path, expect, json=body).json(), expect.what)


def _normalized(codebase: str) -> str:
    # Reference: connectwise.md §1.3 (Codebase keeps a trailing slash; RJ strips slashes)
    stripped = codebase.strip().strip("/")
    if not stripped:
        raise ConfigError("This site answered without a ConnectWise PSA codebase")
    return f"{quote(stripped)}/"


def _info_check(expect: Expect) -> Any:
    def check(response: httpx.Response) -> None:
        if response.status_code != 200:
            return
        try:
            require_json(response, expect)
        except TransientError:
            raise ConfigError(
                "This site did not answer like ConnectWise PSA; check the site URL"
            ) from None

    return check
