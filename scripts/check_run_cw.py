"""Drive `PSABRIDGE_SANDBOX_PSA=connectwise make run` through issue 5's acceptance; print it all.

Mappings with the scenario's needs-attention reasons, a billing sync that creates and then
updates the month's additions, and an alert that becomes a service ticket on the chosen board.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import httpx
from check_run import KINDS, log_in, sandbox_alerts, wait

BOARD, TYPE, PRIORITY = "1", "1", "2"  # Security Alerts, its first type, Priority 2
AGREEMENT_TYPE, PRODUCT = "1", "1"  # Managed Security, GZ-ENDPOINT (sandbox scenario)
CONFIRM = re.compile(
    r'name="psa_client_id" value="(\d+)" onclick="this.form.company_id.value=\'([0-9a-f]+)\''
)


class Sandboxes:
    """The `/_sandbox/` roots of the simulators."""

    def __init__(self, gz: str, cw: str, automate: str) -> None:
        self.gz, self.cw, self.automate = gz, cw, automate

    def get(self, root: str, path: str) -> Any:
        answer = httpx.get(f"{root}/{path}", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def post(self, root: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = httpx.post(f"{root}/{path}", json=body or {}, timeout=30)
        answer.raise_for_status()
        return answer.json()


def connections_step(client: httpx.Client) -> None:
    oks = client.get("/connections/").text.count('class="pill ok">ok<')
    print(f"connections ok: {oks} of 3 (GravityZone, ConnectWise PSA, Automate)")


def mapping_step(client: httpx.Client) -> list[dict[str, Any]]:
    client.post("/mappings/refresh")
    page = client.get("/mappings/").text
    for psa_id, company_id in CONFIRM.findall(page):
        client.post("/mappings/confirm", data={"psa_client_id": psa_id, "company_id": company_id})
    items = mappings(client)
    form: dict[str, Any] = {"scope": "all", "row": [str(m["id"]) for m in items]}
    for m in items:
        form[f"billing_{m['id']}"] = "on"
        form[f"ticketing_{m['id']}"] = "on"
    client.post("/mappings/update", data=form)
    items = mappings(client)
    automate = sum(1 for m in items if m["automate_client_name"])
    print(f"mapped {len(items)} suggestions ({automate} through an Automate client); billing on")
    return items


def mappings(client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get("/api/mappings").json()["items"])


def print_attention(client: httpx.Client, title: str) -> None:
    print(title)
    for m in mappings(client):
        for issue in m["issues"]:
            print(f"  {m['psa_client_name']}: {issue['text']}")


def billing_step(client: httpx.Client, boxes: Sandboxes) -> None:
    settings = {
        "agreement_type_id": AGREEMENT_TYPE,
        "product_id": PRODUCT,
        "covered": ["Expired"],
        "service_desk": "on",
        "service_board_id": BOARD,
        "service_priority_id": PRIORITY,
    }
    assert client.post("/billing/agreements/save", data=settings).status_code in (200, 302)
    existing = {a["id"] for a in boxes.get(boxes.cw, "state")["additions"]}
    boxes.post(boxes.cw, "reset-calls")
    collect_and_sync(client, "the first sync (collect usage, create the month's additions)")
    first = boxes.get(boxes.cw, "calls")["calls"]
    state = boxes.get(boxes.cw, "state")
    names = {c["id"]: c["name"] for c in state["companies"]}
    agreements = {a["id"]: a for a in state["agreements"]}
    additions = {a["id"]: a for a in state["additions"] if a["id"] not in existing}
    print(f"first sync: {_writes(first)}; the additions it created:")
    for addition in additions.values():
        agreement = agreements[addition["agreementId"]]
        print(
            f"  {names[agreement['company']['id']]}: {agreement['agreementStatus']} agreement "
            f"{agreement['id']}, {addition['product']['identifier']} x {addition['quantity']:g}, "
            f"{_day(addition['effectiveDate'])} .. {_day(addition['cancelledDate'])}"
        )
    tickets = [t for t in state["tickets"] if ":billing:" in str(t.get("externalXRef"))]
    for ticket in tickets:
        print(
            f"  service ticket {ticket['id']} for {ticket['company']['name']}: "
            f"{ticket['summary']!r}, priority {ticket['priority']['name']!r}"
        )
    _grow_one_company(client, boxes, additions)


def _grow_one_company(client: httpx.Client, boxes: Sandboxes, before: dict[int, Any]) -> None:
    mapped = {m["psa_client_id"]: m for m in mappings(client)}
    agreements = {a["id"]: a for a in boxes.get(boxes.cw, "state")["agreements"]}
    addition = next(iter(before.values()))
    company = mapped[str(agreements[addition["agreementId"]]["company"]["id"])]
    boxes.post(boxes.gz, "endpoints", {"company_id": company["company_id"], "count": 2})
    boxes.post(boxes.cw, "reset-calls")
    collect_and_sync(client, "the second sync (collect usage, update in place)")
    second = boxes.get(boxes.cw, "calls")["calls"]
    after = {a["id"]: a for a in boxes.get(boxes.cw, "state")["additions"]}
    changed = [
        a for i, a in after.items() if i in before and a["quantity"] != before[i]["quantity"]
    ]
    print(
        f"2 endpoints installed in {company['company_name']}; second sync: {_writes(second)}; "
        f"additions {len(before)} -> {len(after)}; changed in place: "
        + ", ".join(
            f"addition {a['id']} {before[a['id']]['quantity']:g} -> {a['quantity']:g}"
            for a in changed
        )
    )


def collect_and_sync(client: httpx.Client, what: str) -> None:
    """Press Collect usage now (the worker collects), then Sync now: review, then confirm."""
    before = collected(client)
    answer = client.post("/billing/agreements/sync", data={"collect": "1"}).text
    assert 'id="period-started"' in answer, answer
    wait(f"{what}: usage collected", lambda: collected(client) not in ("", before), 900)
    review = client.post("/billing/agreements/sync").text
    shown = re.search(r'<p id="period-preview-summary">(.*?)</p>', review, re.S)
    print("  reviewed: " + (re.sub(r"<[^>]+>|\s+", " ", shown[1]).strip() if shown else "?"))
    done = client.post("/billing/agreements/sync", data={"confirm": "1"}).text
    assert 'id="period-sync-summary"' in done, done


def collected(client: httpx.Client) -> str:
    """Return when the running month's last collection finished, as the page says ("": none
    finished, or one is running)."""
    found = re.search(r'data-finished-at="([^"]*)"', client.get("/billing/").text)
    return found[1] if found else ""


def _day(value: str | None) -> str:
    return value[:10] if value else "open"


def _writes(calls: dict[str, int]) -> str:
    writes = {k: n for k, n in calls.items() if not k.startswith("GET ")}
    reads = sum(n for k, n in calls.items() if k.startswith("GET "))
    return f"{reads} reads, writes {writes or 'none'}"


def ticket_step(client: httpx.Client, boxes: Sandboxes, company_id: str) -> None:
    form: dict[str, Any] = {
        "enabled": "on",
        "ticket_type_id": BOARD,
        "updates_visible": "no",
        "asset_match_by": "name",
        "asset_field": "inventory_number",
        "asset_mode": "exact",
    }
    for kind in KINDS:
        form.update(
            {
                f"{kind}-blocked": "on",
                f"{kind}-current": "on",
                f"{kind}-board": BOARD,
                f"{kind}-type": TYPE,
                f"{kind}-priority": PRIORITY,
            }
        )
    assert client.post("/ticketing/save", data=form).status_code == 302, "ticketing saved"
    client.post("/connections/gravityzone/push/enable")
    before = len(boxes.get(boxes.cw, "state")["tickets"])
    sandbox_alerts(
        boxes.gz, {"count": 1, "company_id": company_id, "kinds": ["av"], "outcome": "current"}
    )
    wait(
        "an antimalware alert became a ConnectWise service ticket",
        lambda: _alert_tickets(boxes, before),
        60,
    )
    ticket = _alert_tickets(boxes, before)[0]
    print(
        f"  ticket {ticket['id']}: {ticket['summary']!r} on board {ticket['board']['name']!r}, "
        f"type {ticket['type']['name']!r}, priority {ticket['priority']['name']!r}, "
        f"status {ticket['status']['name']!r}, company {ticket['company']['name']!r}, "
        f"externalXRef {ticket['externalXRef']}"
    )


def _alert_tickets(boxes: Sandboxes, before: int) -> list[dict[str, Any]]:
    tickets = boxes.get(boxes.cw, "state")["tickets"][before:]
    return [
        t
        for t in tickets
        if str(t.get("externalXRef", "")).startswith("psabridge:")
        and ":billing:" not in str(t.get("externalXRef"))
    ]


def break_mappings(client: httpx.Client, boxes: Sandboxes, items: list[dict[str, Any]]) -> None:
    """Change the outside systems as an admin might, then Refresh (R2.3, R2.4)."""
    linked = [m for m in items if m["automate_client_id"]]
    gone_client, relinked, gone_company = linked[0], linked[1], items[-1]
    boxes.post(boxes.automate, "clients/delete", {"id": int(gone_client["automate_client_id"])})
    boxes.post(
        boxes.automate,
        "clients/update",
        {
            "id": int(relinked["automate_client_id"]),
            "ExternalId": int(gone_client["psa_client_id"]),
        },
    )
    boxes.post(boxes.cw, "companies/delete", {"company_id": int(gone_company["psa_client_id"])})
    print(
        f"deleted Automate client {gone_client['automate_client_name']!r}, re-linked "
        f"{relinked['automate_client_name']!r} to {gone_client['psa_client_name']!r}, deleted "
        f"ConnectWise company {gone_company['psa_client_name']!r}; Refresh"
    )
    client.post("/mappings/refresh")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True)
    parser.add_argument("--gz-sandbox", default="http://127.0.0.1:8101/_sandbox")
    parser.add_argument("--cw-sandbox", default="http://127.0.0.1:8103/_sandbox")
    parser.add_argument("--automate-sandbox", default="http://127.0.0.1:8104/_sandbox")
    args = parser.parse_args()
    boxes = Sandboxes(args.gz_sandbox, args.cw_sandbox, args.automate_sandbox)
    client = log_in(args.url, args.password)
    connections_step(client)
    items = mapping_step(client)
    print_attention(client, "needs attention after mapping (the scenario's own cases):")
    billing_step(client, boxes)
    print_attention(client, "needs attention after the billing sync:")
    plain = next(m for m in mappings(client) if not m["issues"])
    ticket_step(client, boxes, plain["company_id"])
    break_mappings(client, boxes, items)
    print_attention(client, "needs attention after the changes:")


if __name__ == "__main__":
    main()
