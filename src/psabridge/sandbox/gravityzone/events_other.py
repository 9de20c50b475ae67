"""Templates of non-alert modules and of test push events (reference 3.3, 4.15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import event_time
from .events import ALERT_BUILDERS, Draw, Subject, identity

NON_ALERT_MODULES = (
    "install", "registration", "modules", "dp", "uninstall", "endpoint-moved-in",
    "endpoint-moved-out", "hwid-change", "device-control", "adcloud",
)  # fmt: skip
# The 30 eventType values Bitdefender's client offers for sendTestPushEvent (reference 3.3).
TEST_EVENT_TYPES = (
    "av", "avc", "antiexploit", "aph", "new-incident", "fw", "uc", "network-sandboxing",
    "ransomware-mitigation", "network-monitor", "hd", "dp", "exchange-malware",
    "exchange-user-credentials", "device-control", "install", "uninstall", "registration",
    "endpoint-moved-in", "endpoint-moved-out", "hwid-change", "modules", "sva", "sva-load",
    "supa-update-status", "security-container-update-available", "task-status",
    "troubleshooting-activity", "adcloud", "partner-changed",
)  # fmt: skip
TEST_SUBJECT_NAME = "TEST-ENDPOINT"


def _with_endpoint(module: str) -> Callable[[Subject, Draw], dict[str, Any]]:
    def build(subject: Subject, draw: Draw) -> dict[str, Any]:
        return identity(module, subject, draw, endpoint_id=True)

    return build


def _uninstall(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("uninstall", subject, draw, endpoint_id=True)
    event["reason"] = draw.rng.choice((0, 1, 2))
    return event


def _registration(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("registration", subject, draw)
    event.update(product_registration="registered", oldData={})
    return event


def _modules(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("modules", subject, draw)
    event["oldData"] = {}
    return event


def _moved(module: str) -> Callable[[Subject, Draw], dict[str, Any]]:
    def build(subject: Subject, draw: Draw) -> dict[str, Any]:
        event = identity(module, subject, draw, endpoint_id=True)
        event["hwid"] = subject.hwid
        return event

    return build


def _dp(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("dp", subject, draw)
    event.update(
        status="data_protection_blocked",
        target_type="url",
        blocking_rule_name="Credit card numbers",
        url="http://paste-bin.example/upload",
        count=draw.rng.randint(1, 3),
        last_blocked=event_time(draw.when()),
    )
    return event


def _device_control(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("device-control", subject, draw)
    del event["companyId"]  # absent on the doc-derived sample (reference 4.15)
    event.update(
        action="blocked",
        deviceName="SanDisk Ultra USB 3.0",
        deviceClass="Storage",
        deviceId=f"USB\\VID_0781&PID_5591\\{draw.hex(32)}",
        date=event_time(draw.when()),
    )
    return event


def _adcloud(subject: Subject, draw: Draw) -> dict[str, Any]:
    return {
        "companyId": subject.company_id,
        "syncerId": draw.hex(96),
        "issueType": 0,
        "lastAdReportDate": event_time(draw.when()),
        "module": "adcloud",
    }


def _partner_changed(subject: Subject, draw: Draw) -> dict[str, Any]:
    return {
        "module": "partner-changed",
        "companyId": subject.company_id,
        "moved_company_id": subject.company_id,
        "moved_company_name": subject.company_name,
        "action": "joined",
        "license_type": "Monthly",
        "end_subscription_date": None,
        "auto_renew_period": None,
        "minimal_commitment_usage_endpoints": 0,
        "enabled_services": ["endpoint"],
    }


def _exchange_malware(subject: Subject, draw: Draw) -> dict[str, Any]:
    event = identity("exchange-malware", subject, draw, endpoint_id=True)
    event.update(
        malware=[
            {
                "malwareName": "Trojan.PDF.Phish",
                "malwareType": "virus",
                "actionTaken": "deleted",
                "infectedObject": "invoice.pdf",
            }
        ],
        sender="billing@invoices.example",
        recipients=["finance@customer.example"],
        subject="Overdue invoice",
        serverName=subject.computer_name,
        detectionTime=event_time(draw.when()),
    )
    return event


NON_ALERT_BUILDERS: dict[str, Callable[[Subject, Draw], dict[str, Any]]] = {
    "install": _with_endpoint("install"),
    "uninstall": _uninstall,
    "registration": _registration,
    "modules": _modules,
    "dp": _dp,
    "endpoint-moved-in": _moved("endpoint-moved-in"),
    "endpoint-moved-out": _moved("endpoint-moved-out"),
    "hwid-change": _moved("hwid-change"),
    "device-control": _device_control,
    "adcloud": _adcloud,
    "partner-changed": _partner_changed,
    "exchange-malware": _exchange_malware,
    "exchange-user-credentials": _with_endpoint("exchange-user-credentials"),
}


def build_non_alert(module: str, subject: Subject, draw: Draw) -> dict[str, Any]:
    """Return a non-alert event; modules without known fields carry identity only."""
    builder = NON_ALERT_BUILDERS.get(module)
    if builder is None:
        return identity(module, subject, draw)
    return builder(subject, draw)


def test_subject(company_id: str, company_name: str, draw: Draw) -> Subject:
    """Return the template endpoint test events describe (our choice: a fictitious one)."""
    return Subject(
        company_id=company_id,
        company_name=company_name,
        computer_name=TEST_SUBJECT_NAME,
        computer_fqdn="test-endpoint.local",
        ips=("10.0.0.10",),
        computer_id=draw.hex(96),
        endpoint_id=draw.hex(96),
        hwid=draw.hex(96),
    )


def build_test_event(event_type: str, subject: Subject, draw: Draw) -> dict[str, Any]:
    """Return a test event of the type, marked `_testEvent_: true` (reference 3.3)."""
    if event_type in ALERT_BUILDERS:
        event = ALERT_BUILDERS[event_type](subject, True, draw)
    else:
        event = build_non_alert(event_type, subject, draw)
    if event_type == "ransomware-mitigation":
        event["computer_fqdn"] = "undefined"  # as on the captured test event (reference 4.12)
    event["_testEvent_"] = True
    return event
