"""Codebase discovery, Basic auth, the clientId header, module denial, versions."""

from __future__ import annotations

import httpx

from .helpers import CwApi


def test_companyinfo_gives_the_codebase_without_auth(cw: CwApi) -> None:
    body = cw.ok(cw.http.get(f"{cw.site}/login/companyinfo/BLUEWAVE"))
    assert body["Codebase"] == "v2025_1/"
    assert body["CompanyID"] == "bluewave"
    assert body["IsCloud"] is True
    assert {"CompanyName", "VersionCode", "VersionNumber", "SiteUrl"} <= body.keys()


def test_companyinfo_of_an_unknown_company_is_404(cw: CwApi) -> None:
    answer = cw.http.get(f"{cw.site}/login/companyinfo/nobody")
    assert answer.status_code == 404
    assert answer.json() == {"code": "NotFound", "message": "Company not found", "errors": None}


def test_a_wrong_codebase_is_404(cw: CwApi) -> None:
    answer = cw.http.get(f"{cw.site}/v4_6_release/apis/3.0/system/info", headers=cw.headers())
    assert answer.status_code == 404
    assert answer.json()["code"] == "NotFound"


def test_valid_credentials_reach_system_info(cw: CwApi) -> None:
    answer = cw.get("/system/info")
    assert cw.ok(answer)["isCloud"] is True
    assert answer.headers["api-current-version"] == "2025.1"


def test_the_version_pin_is_accepted_and_ignored(cw: CwApi) -> None:
    headers = {**cw.headers(), "Accept": "application/vnd.connectwise.com+json; version=2019.1"}
    assert cw.request("GET", "/system/info", headers=headers).status_code == 200


def _unauthorized(answer: httpx.Response) -> str:
    assert answer.status_code == 401, answer.text
    body = answer.json()
    assert body["code"] == "Unauthorized" and body["errors"] is None
    return str(body["message"])


def test_wrong_private_key_is_401(cw: CwApi) -> None:
    _unauthorized(cw.request("GET", "/system/info", headers=cw.headers(password="nope")))


def test_wrong_company_or_public_key_is_401(cw: CwApi) -> None:
    headers = cw.headers(user=f"other+{cw.info['public_key']}")
    _unauthorized(cw.request("GET", "/system/info", headers=headers))
    headers = cw.headers(user=f"{cw.info['company_id']}+wrong")
    _unauthorized(cw.request("GET", "/system/info", headers=headers))


def test_missing_authorization_is_401(cw: CwApi) -> None:
    headers = {"clientId": cw.info["client_id"]}
    _unauthorized(cw.request("GET", "/system/info", headers=headers))
    headers["Authorization"] = "Basic !!!"
    _unauthorized(cw.request("GET", "/system/info", headers=headers))


def test_missing_client_id_is_401(cw: CwApi) -> None:
    message = _unauthorized(cw.request("GET", "/system/info", headers=cw.headers(client_id="")))
    assert message == "A valid clientId header is required"


def test_unknown_client_id_is_401(cw: CwApi) -> None:
    headers = cw.headers(client_id="00000000-0000-0000-0000-000000000000")
    assert "clientId" in _unauthorized(cw.request("GET", "/system/info", headers=headers))


def test_a_denied_module_is_403_and_others_still_work(cw: CwApi) -> None:
    assert cw.sandbox("POST", "modules/deny", {"module": "finance"}) == {"denied": ["finance"]}
    answer = cw.get("/finance/agreements")
    assert answer.status_code == 403
    assert answer.json()["code"] == "Forbidden"
    assert cw.get("/company/companies").status_code == 200
    cw.sandbox("POST", "modules/allow", {})
    assert cw.get("/finance/agreements").status_code == 200


def test_unknown_path_is_404_and_wrong_method_405(cw: CwApi) -> None:
    assert cw.get("/nothing/here").status_code == 404
    answer = cw.request("DELETE", "/service/tickets")
    assert answer.status_code == 405
    assert answer.json()["code"] == "MethodNotAllowed"


def test_invalid_json_body_is_400(cw: CwApi) -> None:
    answer = cw.request("POST", "/service/tickets", content=b"{nope")
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidObject"
