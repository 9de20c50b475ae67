"""The CLI twins of the pages: receiver, alerts, tokens, admin password."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from psabridge.cli import app
from tests.conftest import add_events

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_receiver_json_prints_url_and_secret(push_receiver):
    result = runner.invoke(app, ["receiver", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["url"].endswith(f"/webhooks/gravityzone/{push_receiver.receiver_id}")
    assert info["authorization"] == push_receiver.authorization()
    assert info["service_type"] == "jsonRPC"


def test_alerts_json_lists_alerts_with_filters(post_push):
    post_push(
        add_events(
            {
                "module": "av",
                "computer_name": "WS-1",
                "final_status": "deleted",
                "malware_name": "X",
            },
            {"module": "aph", "computer_name": "WS-2", "status": "reportOnly", "url": "http://x"},
        )
    )
    rows = [
        json.loads(line) for line in runner.invoke(app, ["alerts", "--json"]).output.splitlines()
    ]
    assert {r["kind"] for r in rows} == {"antimalware", "antiphishing"}
    current = runner.invoke(app, ["alerts", "--json", "--outcome", "current"]).output.splitlines()
    assert len(current) == 1 and json.loads(current[0])["endpoint_name"] == "WS-2"
    assert "antimalware" in runner.invoke(app, ["alerts"]).output


def test_alerts_bad_filter_is_a_clear_error():
    result = runner.invoke(app, ["alerts", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "since must be an ISO 8601" in result.output


def test_token_create_authenticates_the_api(client):
    token = runner.invoke(app, ["token", "create", "ci"]).output.strip()
    assert client.get("/api/alerts", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_admin_reset_password(admin_client, client):
    output = runner.invoke(app, ["admin", "reset-password"]).output
    password = output.rsplit(": ", 1)[1].strip()
    client.logout()
    assert client.login(username="admin", password=password)
    assert runner.invoke(app, ["admin", "reset-password", "nobody"]).exit_code == 1


def test_a_second_scheduler_refuses_to_start():
    from datetime import timedelta

    from django.utils import timezone

    from psabridge.server.core import scheduler
    from psabridge.server.core.models import Lease

    Lease.objects.create(
        name=scheduler.NAME,
        owner="web-2.example:4242:scheduler",
        until=timezone.now() + timedelta(minutes=2),
    )
    result = runner.invoke(app, ["worker", "--scheduler"])
    assert result.exit_code == 2
    assert "another scheduler runs (web-2.example:4242)" in result.output
    assert "Traceback" not in result.output


def test_the_scheduler_claim_is_taken_over_when_it_lapsed(monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from psabridge.server.core import scheduler
    from psabridge.server.core.models import Lease

    monkeypatch.setattr(scheduler, "_keep", lambda owner: None)  # no renewal thread in a test
    Lease.objects.create(
        name=scheduler.NAME, owner="gone:1:scheduler", until=timezone.now() - timedelta(seconds=1)
    )
    assert scheduler.claim() == ""
    assert Lease.objects.get(name=scheduler.NAME).owner == scheduler.process_owner()


def test_migrate_says_the_database_is_up_to_date():
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0 and "the database is up to date" in result.output


def test_token_create_list_and_revoke(client):
    created = runner.invoke(app, ["token", "create", "grafana", "--scope", "read", "--days", "30"])
    assert created.exit_code == 0
    secret = created.output.strip()
    assert client.get("/api/alerts", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    listed = runner.invoke(app, ["token", "list"]).output
    assert "grafana\tread\tactive" in listed and "expires" in listed and secret not in listed
    assert runner.invoke(app, ["token", "revoke", "grafana"]).exit_code == 0
    assert client.get("/api/alerts", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    again = runner.invoke(app, ["token", "revoke", "grafana"])
    assert again.exit_code == 2 and "no active token" in again.output
    bad = runner.invoke(app, ["token", "create", "x", "--scope", "root"])
    assert bad.exit_code == 2 and "scope must be read or admin" in bad.output


def test_login_is_throttled_after_ten_failures(client):
    from django.contrib.auth import get_user_model

    from psabridge.server.core.models import LoginFailure

    get_user_model().objects.create_superuser("admin", "", "right-password-123")
    for _ in range(10):
        wrong = client.post("/login/", {"username": "admin", "password": "guess"})
        assert wrong.status_code == 200
    refused = client.post("/login/", {"username": "admin", "password": "right-password-123"})
    assert refused.status_code == 429 and "Too many failed logins" in refused.content.decode()
    LoginFailure.objects.update(at=LoginFailure.objects.first().at.replace(year=2000))
    accepted = client.post("/login/", {"username": "admin", "password": "right-password-123"})
    assert accepted.status_code == 302 and not LoginFailure.objects.exists()


def test_task_results_are_not_stored():
    from huey.contrib.djhuey import HUEY

    from psabridge.server.alerts.tasks import process_pending_events

    process_pending_events()  # returns a count: with results on, it would be kept forever
    assert HUEY.results is False and HUEY.result_count() == 0


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("PSABRIDGE_ROUTERS=abc", "PSABRIDGE_ROUTERS must be a number, not 'abc'"),
        ("PSABRIDGE_DEBUG=maybe", "PSABRIDGE_DEBUG must be one of true/false"),
        ("PSABRIDGE_RATE_LIMIT_HALOPSA=lots", 'write it as "500/5 minutes"'),
    ],
)
def test_a_wrong_setting_is_one_clear_line_and_exit_2(tmp_path, setting, said):
    import os
    import subprocess
    import sys

    name, value = setting.split("=")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.update({"PSABRIDGE_DATA_DIR": str(tmp_path), name: value})
    done = subprocess.run(
        [sys.executable, "-m", "psabridge.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"psabridge: {done.stderr.split(': ', 1)[1].strip()}"
    ]
    assert said in done.stderr and "Traceback" not in done.stderr


def test_alerts_kind_takes_the_ui_name_or_the_module_code(post_push):
    post_push(
        add_events(
            {
                "module": "av",
                "companyId": "c1",
                "computer_name": "PC-1",
                "malware_name": "Trojan.X",
                "final_status": "quarantined",
            }
        )
    )
    for name in ("antimalware", "av", "Antimalware"):
        result = runner.invoke(app, ["alerts", "--json", "--kind", name])
        assert result.exit_code == 0 and len(result.output.splitlines()) == 1, name
    wrong = runner.invoke(app, ["alerts", "--kind", "nope"])
    assert wrong.exit_code == 2 and "use one of antimalware" in wrong.output
