"""`psabridge mappings` and `psabridge events`, and every command on an unmigrated database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.server.core import events as event_service
from psabridge.server.core.models import Connection, SecurityCompany
from psabridge.server.mappings.models import Mapping, PsaClient

runner = CliRunner()


@pytest.fixture
def halo_world(db: None) -> None:
    """A HaloPSA connection, three clients, three companies, one mapping with an issue."""
    now = timezone.now()
    Connection.objects.create(system="halopsa", base_url="https://halo.example.test")
    for client_id, name, inactive in (("1", "Acme Ltd", True), ("2", "Beta GmbH", False)):
        PsaClient.objects.create(
            system="halopsa", client_id=client_id, name=name, inactive=inactive, refreshed_at=now
        )
    PsaClient.objects.create(system="halopsa", client_id="3", name="Gamma", refreshed_at=now)
    for company_id, name in (("a", "Acme"), ("b", "Beta"), ("d", "Delta")):
        SecurityCompany.objects.create(company_id=company_id, name=name, refreshed_at=now)
    Mapping.objects.create(
        system="halopsa",
        psa_client_id="1",
        psa_client_name="Acme Ltd",
        company_id="a",
        company_name="Acme",
        billing=True,
        issues=[
            {
                "code": "psa_client_inactive",
                "text": "The PSA company is inactive.",
                "action": "Reactivate it.",
            }
        ],
    )


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_mappings_json_lists_mapped_and_unmapped_rows(halo_world):
    done = runner.invoke(app, ["mappings", "--json"])
    assert done.exit_code == 0, done.output
    rows = _lines(done.output)
    mapped = [r for r in rows if r["state"] == "mapped"]
    assert [(r["psa_client_name"], r["company_name"], r["billing"]) for r in mapped] == [
        ("Acme Ltd", "Acme", True)
    ]
    assert mapped[0]["issues"][0]["text"] == "The PSA company is inactive."
    beta = next(r for r in rows if r.get("psa_client_name") == "Beta GmbH")
    assert beta["suggestion"]["company_name"] == "Beta" and beta["suggestion"]["reason"]
    assert {r["company_name"] for r in rows if r["state"] == "unmapped GravityZone company"} == {
        "Beta",
        "Delta",
    }
    attention = _lines(runner.invoke(app, ["mappings", "--json", "--attention"]).output)
    assert [r["psa_client_name"] for r in attention] == ["Acme Ltd"]
    text = runner.invoke(app, ["mappings"]).output
    assert "Acme Ltd <-> Acme (billing on, ticketing on)" in text
    assert "! The PSA company is inactive. Reactivate it." in text


def test_confirm_suggested_maps_each_suggestion_and_says_why(halo_world):
    done = runner.invoke(app, ["mappings", "--confirm-suggested", "--json"])
    assert done.exit_code == 0, done.output
    [confirmed] = _lines(done.output)
    assert (confirmed["psa_client_name"], confirmed["company_name"]) == ("Beta GmbH", "Beta")
    assert "same name" in confirmed["reason"]
    assert Mapping.objects.filter(psa_client_id="2", company_id="b").exists()
    again = runner.invoke(app, ["mappings", "--confirm-suggested"])
    assert again.output.strip() == "no suggestion to confirm"


def test_mappings_without_a_psa_is_one_line_and_exit_2(db):
    done = runner.invoke(app, ["mappings"])
    assert done.exit_code == 2
    assert done.output.strip() == (
        "psabridge mappings: no PSA is connected yet: connect one on the Connections page"
    )


def test_events_json_and_a_bad_state(db):
    event_service.raise_event("push_disabled", message="GravityZone reports push status 0")
    [event] = _lines(runner.invoke(app, ["events", "--json"]).output)
    assert event["kind"] == "push_disabled" and event["state"] == "open"
    assert "push status 0" in runner.invoke(app, ["events"]).output
    bad = runner.invoke(app, ["events", "--state", "nope"])
    assert bad.exit_code == 2 and "--state must be one of" in bad.output


@pytest.mark.parametrize(
    "command",
    [
        ["mappings", "--json"],
        ["events", "--json"],
        ["usage", "show", "--json"],
        ["receiver", "--json"],
        ["alerts"],
        ["push", "check"],
        ["billing", "preview"],
        ["token", "list"],
    ],
    ids=lambda c: " ".join(c),
)
def test_an_unmigrated_database_is_one_line_and_exit_2(tmp_path: Path, command: list[str]):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["PSABRIDGE_DATA_DIR"] = str(tmp_path)
    done = _cli(env, *command)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("psabridge: the database ") and "psabridge migrate" in line


def _cli(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psabridge.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_receiver_url_follows_host_and_port_as_the_readme_says(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(PSABRIDGE_DATA_DIR=str(tmp_path), PSABRIDGE_PORT="9123", PSABRIDGE_HOST="0.0.0.0")
    assert _cli(env, "migrate").returncode == 0
    info = json.loads(_cli(env, "receiver", "--json").stdout)
    assert info["url"].startswith("http://127.0.0.1:9123/webhooks/gravityzone/")
    env["PSABRIDGE_PUBLIC_URL"] = "https://psabridge.example.test/"
    info = json.loads(_cli(env, "receiver", "--json").stdout)
    assert info["url"].startswith("https://psabridge.example.test/webhooks/gravityzone/")


def test_json_everywhere_tokens_and_push(db):
    runner.invoke(app, ["token", "create", "ci", "--scope", "read"])
    [token] = _lines(runner.invoke(app, ["token", "list", "--json"]).output)
    assert (token["name"], token["scope"], token["state"]) == ("ci", "read", "active")
    checked = runner.invoke(app, ["push", "check", "--json"])
    assert json.loads(checked.output)["push"] == "not connected"
