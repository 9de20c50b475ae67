"""Drive `PSABRIDGE_SANDBOX_PSA=autotask make run` through issue 13's acceptance; print it all.

Mappings with the scenario's needs-attention reasons, a billing sync that sets the month's units
exactly (read back from the simulator's ContractServiceUnits) and a second sync that writes
nothing, and an alert that becomes a ticket in the configured queue, the next one a note.
"""

from __future__ import annotations

import argparse
import html
import re
from typing import Any

import httpx
from check_run import KINDS, log_in, sandbox_alerts, wait
from check_run_cw import collect_and_sync, mappings, print_attention

QUEUE, PRIORITY, ISSUE, SUB_ISSUE = "29682833", "1", "1", "10"  # Security Alerts, High, Malware
CONTRACT_TYPE, SERVICE = "7", "1"  # Recurring Service, Endpoint Security (sandbox scenario)
CONFIRM = re.compile(
    r'name="psa_client_id" value="(\d+)" onclick="this.form.company_id.value=\'([0-9a-f]+)\''
)


def box(root: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        answer = httpx.get(f"{root}/{path}", timeout=30)
    else:
        answer = httpx.post(f"{root}/{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def mapping_step(client: httpx.Client) -> list[dict[str, Any]]:
    oks = client.get("/connections/").text.count('class="pill ok">ok<')
    print(f"connections ok: {oks} of 2 (GravityZone, Autotask PSA)")
    client.post("/mappings/refresh")
    for psa_id, company_id in CONFIRM.findall(client.get("/mappings/").text):
        client.post("/mappings/confirm", data={"psa_client_id": psa_id, "company_id": company_id})
    client.post("/mappings/refresh")  # the needs-attention checks run on Refresh
    items = mappings(client)
    form: dict[str, Any] = {"scope": "all", "row": [str(m["id"]) for m in items]}
    for m in items:
        form[f"billing_{m['id']}"] = "on"
        form[f"ticketing_{m['id']}"] = "on"
    client.post("/mappings/update", data=form)
    print(f"mapped {len(items)} suggestions; billing and ticketing on")
    return mappings(client)


def billing_step(client: httpx.Client, at: str) -> None:
    settings = {"agreement_type_id": CONTRACT_TYPE, "product_id": SERVICE, "covered": []}
    assert client.post("/billing/agreements/save", data=settings).status_code in (200, 302)
    box(at, "reset-calls", {})
    collect_and_sync(client, "the first sync (collect usage, set the month's units)")
    print(f"  Autotask calls: {box(at, 'calls')['calls']}")
    page = client.get("/billing/").text
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>(\d+)</td><td>(\d+)/([0-9-]+)</td><td>([0-9.]+)</td>", page
    )
    exact = 0
    for company, contract, service, day, quantity in rows:
        read = box(
            at,
            "units/read",
            {"contract_id": int(contract), "service_id": int(service), "day": day},
        )
        exact += read["units"] == float(quantity)
        print(
            f"  {html.unescape(company)}: contract {contract}, units from {day}: "
            f"psabridge wrote {quantity}, "
            f"ContractServiceUnits row {read['row_id']} says {read['units']}"
        )
    print(f"  {exact} of {len(rows)} companies' units read back exactly")
    box(at, "reset-calls", {})
    review = client.post("/billing/agreements/sync").text
    shown = re.search(r'<p id="period-preview-summary">(.*?)</p>', review, re.S)
    summary = re.sub(r"<[^>]+>|\s+", " ", shown[1]).strip() if shown else "?"
    writes = {k: n for k, n in box(at, "calls")["calls"].items() if "ServiceAdjustments" in k}
    print(f"second sync: {summary}; adjustments sent: {writes or 'none'}")


def ticket_step(client: httpx.Client, gz: str, at: str, company_id: str) -> None:
    form: dict[str, Any] = {
        "enabled": "on",
        "ticket_type_id": QUEUE,
        "updates_visible": "no",
        "asset_match_by": "name",
        "asset_field": "inventory_number",
        "asset_mode": "exact",
    }
    for kind in KINDS:
        form.update({f"{kind}-blocked": "on", f"{kind}-current": "on", f"{kind}-queue": QUEUE})
        form.update({f"{kind}-priority": PRIORITY, f"{kind}-issue_type": ISSUE})
        form.update({f"{kind}-sub_issue_type": SUB_ISSUE})
    assert client.post("/ticketing/save", data=form).status_code == 302, "ticketing saved"
    client.post("/connections/gravityzone/push/enable")
    before = len(box(at, "state")["tickets"])
    sandbox_alerts(
        gz, {"count": 1, "company_id": company_id, "kinds": ["av"], "outcome": "current"}
    )
    wait("an antimalware alert became an Autotask ticket", lambda: _new(at, before), 60)
    ticket = _new(at, before)[0]
    print(
        f"  ticket {ticket['id']} {ticket['ticketNumber']}: {ticket['title']!r} in queue "
        f"{ticket['queueID']}, priority {ticket['priority']}, issue {ticket['issueType']}/"
        f"{ticket['subIssueType']}, status {ticket['status']}, company {ticket['companyID']}, "
        f"configuration item {ticket['configurationItemID']}, externalID {ticket['externalID']}"
    )
    query = f"/api/alerts?company_id={company_id}&kind=antimalware"
    endpoint = client.get(query).json()["items"][0]["endpoint_id"]
    body = {"count": 1, "company_id": company_id, "endpoint_id": endpoint, "kinds": ["av"]}
    sandbox_alerts(gz, {**body, "outcome": "current"})
    wait("the next alert of that endpoint as a note (window 60 s)", lambda: _notes(at, ticket), 100)
    for note in _notes(at, ticket):
        print(f"  note {note['id']} (publish {note['publish']}): {note['title']!r}")
    print(
        f"  alert tickets opened since (every mapped company; the sandbox pushes alerts every "
        f"2 s): {len(_new(at, before))}"
    )


def _new(at: str, before: int) -> list[dict[str, Any]]:
    tickets = box(at, "state")["tickets"][before:]
    return [t for t in tickets if str(t.get("externalID", "")).startswith("psabridge:")]


def _notes(at: str, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    found = next(t for t in box(at, "state")["tickets"] if t["id"] == ticket["id"])
    return list(found.get("notes") or [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True)
    parser.add_argument("--gz-sandbox", default="http://127.0.0.1:8101/_sandbox")
    parser.add_argument("--at-sandbox", default="http://127.0.0.1:8105/_sandbox")
    args = parser.parse_args()
    client = log_in(args.url, args.password)
    mapping_step(client)
    print_attention(client, "needs attention after mapping (the scenario's own cases):")
    billing_step(client, args.at_sandbox)
    print_attention(client, "needs attention after the billing sync:")
    plain = next(m for m in mappings(client) if not m["issues"])
    ticket_step(client, args.gz_sandbox, args.at_sandbox, plain["company_id"])


if __name__ == "__main__":
    main()
