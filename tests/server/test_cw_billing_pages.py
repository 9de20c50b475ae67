"""ConnectWise billing pages without a PSA: disabled until validated, Halo pages unaffected."""

from __future__ import annotations

from django.utils import timezone

from psabridge.server.billing.models import CwBillingSettings
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.core.models import Connection


def _connection(outcome: str, message: str = "") -> Connection:
    return Connection.objects.create(
        system="connectwise",
        base_url="https://cw.example.test",
        validated_at=timezone.now(),
        validation_outcome=outcome,
        validation_message=message,
    )


def test_settings_are_disabled_until_connected(admin_client):
    answer = admin_client.get("/billing/agreements/")
    assert answer.status_code == 302 and answer["Location"] == "/billing/#agreements"
    page = admin_client.get("/billing/").content.decode()
    assert "connect a PSA first" in page and 'id="agreements"' not in page
    _connection("cannot_connect", "The site cannot be reached")
    page = admin_client.get("/billing/").content.decode()
    assert 'id="period-blocked"' in page and "validate it first" in page
    assert 'href="/connections/connectwise/"' in page
    assert '<select name="agreement_type_id" id="agreement-type" disabled' in page
    assert "Sync now" not in page  # nothing to sync before the settings are saved


def test_settings_stay_disabled_after_a_failed_validation(admin_client):
    _connection("invalid_credentials", "The public or private key is wrong")
    page = admin_client.get("/billing/").content.decode()
    assert "The public or private key is wrong" in page
    assert '<select name="product_id" id="product" disabled' in page


def test_saving_without_a_valid_connection_changes_nothing(admin_client):
    _connection("cannot_connect")
    answer = admin_client.post(
        "/billing/agreements/save", {"agreement_type_id": "1", "product_id": "2"}
    )
    assert answer.status_code == 400
    assert "validate it first" in answer.content.decode()
    assert not CwBillingSettings.objects.exists()


def test_preview_says_what_is_missing(admin_client):
    answer = admin_client.get("/billing/agreements/preview").content.decode()
    assert 'id="period-failure"' in answer and "not set up" in answer


def test_parse_reads_checkboxes_and_lists():
    values = period_setup.parse(
        {"agreement_type_id": " 3 ", "covered": ["Expired"], "service_desk": "on"}
    )
    assert values["agreement_type_id"] == "3"
    assert values["covered"] == ["Expired"] and values["service_desk"] is True
    assert period_setup.parse({})["service_desk"] is False


def test_the_billing_page_holds_the_agreement_section(admin_client):
    _connection("ok")
    page = admin_client.get("/billing/").content.decode()
    assert 'id="agreements"' in page and 'id="period-settings"' in page
    assert 'id="push"' not in page  # the Halo monthly push is not offered for ConnectWise
