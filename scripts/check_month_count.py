"""Check a finished month's count against a running `make run` (HaloPSA or ConnectWise sandbox).

Maps every suggested company, runs `psabridge usage collect --month <last month>` twice with the
sandbox clock moved 3 days on between, and compares both runs' quantities with each other and
with what the sandbox GravityZone itself answers to `licensing.getMonthlyUsage` for that month.

    cd scripts && ../.venv/bin/python check_month_count.py --password PASSWORD
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from check_run import log_in

ROOT = Path(__file__).resolve().parents[1]
PSABRIDGE = str(ROOT / ".venv" / "bin" / "psabridge")
THREE_DAYS = 3 * 24 * 3600
SEATS_COUNTER = "endpointMonthlyUsage"


def map_suggestions(client: httpx.Client) -> int:
    """Re-read the systems, confirm every suggested mapping; return how many."""
    client.post("/mappings/refresh")
    page = client.get("/mappings/").text
    found = re.findall(
        r'name="psa_client_id" value="(\d+)" onclick="this.form.company_id.value=\'([0-9a-f]+)\'',
        page,
    )
    for psa_client_id, company_id in found:
        client.post(
            "/mappings/confirm", data={"psa_client_id": psa_client_id, "company_id": company_id}
        )
    return len(found)


def last_month() -> str:
    today = datetime.now(UTC).date()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


def collect(month: str) -> list[str]:
    """Run `psabridge usage collect` in the checkout and return its per-company lines."""
    done = subprocess.run(
        [PSABRIDGE, "usage", "collect", "--month", month],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"$ psabridge usage collect --month {month}  (exit {done.returncode})")
    lines = done.stdout.strip().splitlines()
    for line in lines:
        print(f"  {line}")
    return [line for line in lines if line.endswith(("; final", "; in progress"))]


def shown(month: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [PSABRIDGE, "usage", "show", "--month", month, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def gravityzone_seats(gz_sandbox: str, gz_api: str, company_id: str, month: str) -> int:
    """Ask the sandbox GravityZone for its own monthly usage of the company (reference 2.7)."""
    key = httpx.post(f"{gz_sandbox}/keys", json={"services": ["licensing"]}, timeout=10).json()
    year, number = month.split("-")
    body = {
        "jsonrpc": "2.0",
        "id": "1",
        "method": "getMonthlyUsage",
        "params": {"companyId": company_id, "targetMonth": f"{number}/{year}"},
    }
    answer = httpx.post(
        f"{gz_api}/v1.0/jsonrpc/licensing", json=body, auth=(key["api_key"], ""), timeout=30
    )
    return int(answer.json()["result"].get(SEATS_COUNTER, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True)
    parser.add_argument("--gz-sandbox", default="http://127.0.0.1:8101/_sandbox")
    parser.add_argument("--gz-api", default="http://127.0.0.1:8101/api")
    args = parser.parse_args()
    client = log_in(args.url, args.password)
    print(f"mapped {map_suggestions(client)} suggested companies")
    month = last_month()
    first = collect(month)
    moved = httpx.post(f"{args.gz_sandbox}/clock", json={"advance_seconds": THREE_DAYS}, timeout=10)
    print(f"sandbox clock moved 3 days on: now {moved.json()['now']}")
    second = collect(month)
    same = first == second and bool(first)
    print(f"the same quantities both times for every company: {'yes' if same else 'NO'}")
    mismatched = []
    rows = shown(month)
    for row in rows:
        ours = row["quantities"].get("seats", 0)
        theirs = gravityzone_seats(args.gz_sandbox, args.gz_api, row["company_id"], month)
        if ours != theirs:
            mismatched.append(f"{row['company_name']}: psabridge {ours}, GravityZone {theirs}")
    print(
        f"seats equal GravityZone's getMonthlyUsage for {month}: "
        f"{len(rows) - len(mismatched)} of {len(rows)} companies"
    )
    for text in mismatched:
        print(f"  ! {text}")
    sys.exit(0 if same and not mismatched else 1)


if __name__ == "__main__":
    main()
