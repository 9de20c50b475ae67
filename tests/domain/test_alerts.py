"""Table-driven tests of domain.alerts: pushed GravityZone events to Alert or Ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psabridge.domain.alerts import (
    ALERT_MODULES,
    MODULE_KINDS,
    Alert,
    AlertKind,
    Ignored,
    Outcome,
    normalize,
    parse_event_time,
)

RECEIVED = datetime(2024, 7, 12, 9, 0, 0, tzinfo=UTC)
COMPANY = "59a14b271da197c6108b4567"
BLOCKED, CURRENT = Outcome.BLOCKED, Outcome.CURRENT

# reference 4.2: snake_case identity of most modules
IDENTITY: dict[str, Any] = {
    "companyId": COMPANY,
    "computer_name": "WS-042",
    "computer_fqdn": "ws-042.corp.local",
    "computer_ip": "192.168.0.10",
    "computer_id": "5efb3a520075db7384dfa286",
    "product_installed": "BEST",
}


def event(module: str, **fields: Any) -> dict[str, Any]:
    """Return an event of a module with the common identity and the given fields."""
    return {"module": module, **IDENTITY, **fields}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in names}


# (case id, event, expected attributes of the Alert; "facts" entries are checked one by one)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # reference 4.4 Antimalware
    (
        "av-quarantined",
        event(
            "av",
            malware_name="Trojan.GenericKD.1",
            malware_type="file",
            file_path="C:\\Users\\a\\x.exe",
            final_status="quarantined",
            timestamp="2024-07-12T08:33:13.000Z",
            user={"id": "S-1-5-21", "name": "alice"},
        ),
        {
            "kind": AlertKind.ANTIMALWARE,
            "outcome": BLOCKED,
            "title": "Antimalware: Trojan.GenericKD.1 blocked on WS-042",
            "occurred_at": utc(2024, 7, 12, 8, 33, 13),
            "endpoint_id": "5efb3a520075db7384dfa286",
            "facts": {
                "Threat": "Trojan.GenericKD.1",
                "User": "alice",
                "Final status": "quarantined",
            },
        },
    ),
    (
        "av-ignored-is-current",
        event("av", malware_name="EICAR", final_status="ignored"),
        {"outcome": CURRENT, "title": "Antimalware: EICAR detected on WS-042"},
    ),
    (
        "av-deleted-counters-disagree",  # reference 4.4: counters are not the outcome
        event("av", final_status="deleted", deleted=0, quarantined=2, present=1),
        {"outcome": BLOCKED, "title": "Antimalware: malware blocked on WS-042"},
    ),
    ("av-cleaned", event("av", final_status="cleaned"), {"outcome": BLOCKED}),
    ("av-unknown-status", event("av", final_status="postponed"), {"outcome": CURRENT}),
    (
        "av-comma-ip-list",
        event("av", final_status="present", computer_ip="192.168.0.1, 192.168.0.2"),
        {"outcome": CURRENT, "endpoint_ip": "192.168.0.1"},
    ),
    # reference 4.5 Advanced Threat Control
    (
        "avc-blocked",
        event(
            "avc",
            exploit_type="AVC Blocked Exploit",
            exploit_path="C:\\evil.exe",
            status="avc_blocked",
            last_blocked="2024-07-12T08:10:00.000Z",
            count=3,
        ),
        {
            "kind": AlertKind.ADVANCED_THREAT_CONTROL,
            "outcome": BLOCKED,
            "occurred_at": utc(2024, 7, 12, 8, 10),
            "facts": {"Count": "3", "Path": "C:\\evil.exe"},
        },
    ),
    ("avc-unknown-status", event("avc", status="avc_detected"), {"outcome": CURRENT}),
    (
        "avc-missing-company-and-status",
        without(event("avc", exploit_path="C:\\a.exe"), "companyId"),
        {"outcome": CURRENT, "company_id": None, "occurred_at": RECEIVED},
    ),
    # reference 4.6 Advanced Anti-Exploit
    (
        "antiexploit-kill",
        event(
            "antiexploit",
            endpointId="5efb3a520075db7384dfa285",
            detection_action="kill",
            detection_threatName="Exploit.ROP",
            detection_cve="CVE-2024-0001",
            detection_username="bob",
            detection_time="2024-07-12T08:00:58.000Z",
        ),
        {
            "kind": AlertKind.ADVANCED_ANTI_EXPLOIT,
            "outcome": BLOCKED,
            "endpoint_id": "5efb3a520075db7384dfa285",
            "title": "Advanced Anti-Exploit: Exploit.ROP blocked on WS-042",
            "facts": {"CVE": "CVE-2024-0001", "User": "bob", "Action": "kill"},
        },
    ),
    ("antiexploit-report", event("antiexploit", detection_action="report"), {"outcome": CURRENT}),
    (
        "antiexploit-time-with-offset",
        event("antiexploit", detection_action="kill", detection_time="2024-07-12T10:00:58+02:00"),
        {"outcome": BLOCKED, "occurred_at": utc(2024, 7, 12, 8, 0, 58)},
    ),
    # reference 4.7 Antiphishing
    (
        "aph-blocked",
        event("aph", aph_type="phishing", url="http://bad.example/login", status="aph_blocked"),
        {
            "kind": AlertKind.ANTIPHISHING,
            "outcome": BLOCKED,
            "title": "Antiphishing: http://bad.example/login blocked on WS-042",
        },
    ),
    (
        "aph-report-only",
        event("aph", aph_type="fraud", url="http://fraud.example", status="reportOnly"),
        {"outcome": CURRENT, "facts": {"Type": "fraud", "Status": "reportOnly"}},
    ),
    (
        "aph-mangled-time",
        event("aph", status="aph_blocked", last_blocked="2017- 09 - 13T14: 20:37.000Z"),
        {"outcome": BLOCKED, "occurred_at": utc(2017, 9, 13, 14, 20, 37)},
    ),
    # reference 4.8 EDR
    (
        "edr-blocked",
        event(
            "new-incident",
            endpointId="668e8236e372169b71286dae",
            computer_id="668e8236e372169b71286dad",
            incident_id="668e8236e372169b71286db0",
            created="2024-07-12T08:00:58.876Z",
            detection_name="ATC.Malicious",
            severity="high",
            severity_score=89,
            main_action="blocked",
            attack_types=["Execution", "Persistence"],
            username="carol",
        ),
        {
            "kind": AlertKind.EDR,
            "outcome": BLOCKED,
            "incident_id": "668e8236e372169b71286db0",
            "endpoint_id": "668e8236e372169b71286dae",
            "occurred_at": utc(2024, 7, 12, 8, 0, 58, 876000),
            "facts": {
                "Severity": "high",
                "Severity score": "89",
                "Attack types": "Execution, Persistence",
                "User": "carol",
            },
        },
    ),
    (
        "edr-no-action-other-score-spelling",
        event("new-incident", incident_id="i-2", main_action="no action", severityScore=95),
        {"outcome": CURRENT, "facts": {"Severity score": "95", "Main action": "no action"}},
    ),
    (
        "edr-ip-list-without-spaces",
        event("new-incident", main_action="blocked", computer_ip="100.0.100.100,100.1.10.1"),
        {"outcome": BLOCKED, "endpoint_ip": "100.0.100.100"},
    ),
    # reference 4.9 Firewall
    (
        "fw-portscan",
        event("fw", status="portscan_blocked", source_ip="10.0.0.5", protocol_id="6"),
        {
            "kind": AlertKind.FIREWALL,
            "outcome": BLOCKED,
            "title": "Firewall: port scan from 10.0.0.5 blocked on WS-042",
            "facts": {"Protocol": "6"},
        },
    ),
    (
        "fw-traffic",
        event("fw", status="traffic_blocked", source_ip="10.0.0.6"),
        {"outcome": BLOCKED, "title": "Firewall: traffic from 10.0.0.6 blocked on WS-042"},
    ),
    ("fw-unknown-status", event("fw", status="traffic_allowed"), {"outcome": CURRENT}),
    ("fw-unblocked-is-not-a-block", event("fw", status="unblocked"), {"outcome": CURRENT}),
    # reference 4.10 Content Control stands for Web Traffic Scan
    (
        "uc-site-blocked",
        event("uc", uc_type="http", url="http://games.example", status="uc_site_blocked"),
        {
            "kind": AlertKind.WEB_TRAFFIC_SCAN,
            "outcome": BLOCKED,
            "title": "Web Traffic Scan: http://games.example blocked on WS-042",
        },
    ),
    ("uc-unknown-status", event("uc", status="uc_site_allowed"), {"outcome": CURRENT}),
    (
        "uc-naive-time-is-utc",
        event("uc", status="uc_site_blocked", last_blocked="2024-07-12T08:00:00"),
        {"outcome": BLOCKED, "occurred_at": utc(2024, 7, 12, 8)},
    ),
    # reference 4.11 Sandbox Analyzer: camelCase identity, epoch seconds
    (
        "sandbox-code-1-blocked",
        {
            "module": "network-sandboxing",
            "companyId": COMPANY,
            "endpointId": "5efb3a520075db7384dfa285",
            "computerName": "SRV-01",
            "computerIp": "10.1.1.1, 10.1.1.2",
            "detectionTime": 1505386969,
            "threatType": "RANSOMWARE",
            "filePaths": ["C:\\a.exe", "C:\\b.exe"],
            "remediationActions": ["1", "1"],
        },
        {
            "kind": AlertKind.SANDBOX_ANALYZER,
            "outcome": BLOCKED,
            "endpoint_name": "SRV-01",
            "endpoint_ip": "10.1.1.1",
            "endpoint_fqdn": None,
            "occurred_at": utc(2017, 9, 14, 11, 2, 49),
            "title": "Sandbox Analyzer: RANSOMWARE blocked on SRV-01",
            "facts": {"Files": "C:\\a.exe, C:\\b.exe"},
        },
    ),
    (
        "sandbox-empty-code-current",
        event("network-sandboxing", remediationActions=["1", ""]),
        {"outcome": CURRENT},
    ),
    (
        "sandbox-epoch-text-unknown-code",
        event("network-sandboxing", detectionTime="1505386969", remediationActions=["2"]),
        {"outcome": CURRENT, "occurred_at": utc(2017, 9, 14, 11, 2, 49)},
    ),
    ("sandbox-no-codes", event("network-sandboxing", remediationActions=[]), {"outcome": CURRENT}),
    # reference 4.12 Ransomware: always blocked, epoch seconds, "undefined" fqdn
    (
        "ransomware-test-event",
        event(
            "ransomware-mitigation",
            _testEvent_=True,
            company_name="Acme",
            attack_type="remote",
            attack_source="10.10.10.10",
            item_count="23",
            detected_on=1591007594,
            computer_fqdn="undefined",
            user={"name": "dave", "sid": "S-1-5-21-1"},
        ),
        {
            "kind": AlertKind.RANSOMWARE_DETECTION,
            "outcome": BLOCKED,
            "is_test": True,
            "endpoint_fqdn": None,
            "occurred_at": utc(2020, 6, 1, 10, 33, 14),
            "title": "Ransomware Detection: ransomware attack from 10.10.10.10 blocked on WS-042",
            "facts": {"Items affected": "23", "User": "dave"},
        },
    ),
    (
        "ransomware-no-time",
        event("ransomware-mitigation", attack_type="local"),
        {"outcome": BLOCKED, "occurred_at": RECEIVED, "endpoint_fqdn": "ws-042.corp.local"},
    ),
    (
        "ransomware-no-company",
        without(event("ransomware-mitigation", detected_on="1591007594"), "companyId"),
        {"outcome": BLOCKED, "company_id": None, "occurred_at": utc(2020, 6, 1, 10, 33, 14)},
    ),
    # reference 4.13 Network Attack Defense: companyId missing in the sample
    (
        "nad-block",
        event("network-monitor", actionTaken="block", detection_name="Brute force"),
        {
            "kind": AlertKind.NETWORK_ATTACK_DEFENSE,
            "outcome": BLOCKED,
            "title": "Network Attack Defense: Brute force blocked on WS-042",
        },
    ),
    (
        "nad-report-only-no-company",
        without(
            event(
                "network-monitor",
                actionTaken="reportOnly",
                timestamp="2019-01-17T10:01:27.000Z",
                user={"userName": "erin", "userSid": "S-1-5-21-2"},
            ),
            "companyId",
        ),
        {
            "outcome": CURRENT,
            "company_id": None,
            "occurred_at": utc(2019, 1, 17, 10, 1, 27),
            "facts": {"User": "erin", "Action": "reportOnly"},
        },
    ),
    ("nad-unknown-action", event("network-monitor", actionTaken="alert"), {"outcome": CURRENT}),
    # reference 4.14 HyperDetect
    (
        "hd-quarantined",
        event(
            "hd",
            malware_name="Gen:Heur.1",
            final_status="quarantined",
            attack_type="targeted attack",
            detection_level="aggressive",
            is_fileless_attack=1,
            date="2019-01-17T10:01:27.000Z",
            user={"name": "frank", "sid": "S-1-5-21-3"},
        ),
        {
            "kind": AlertKind.HYPERDETECT,
            "outcome": BLOCKED,
            "occurred_at": utc(2019, 1, 17, 10, 1, 27),
            "facts": {"Fileless attack": "yes", "Detection level": "aggressive", "User": "frank"},
        },
    ),
    ("hd-ignored", event("hd", final_status="ignored"), {"outcome": CURRENT}),
    (
        "hd-masked-company-kept",
        event("hd", final_status="quarantined", companyId="5c497704f9bf8d0b1b4df***"),
        {"outcome": BLOCKED, "company_id": "5c497704f9bf8d0b1b4df***"},
    ),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_normalize_alert(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    alert = normalize(raw, RECEIVED)
    assert isinstance(alert, Alert)
    assert alert.module == raw["module"]
    assert alert.kind is MODULE_KINDS[raw["module"]]
    for name, value in without(expected, "facts").items():
        assert getattr(alert, name) == value, name
    for label, text in expected.get("facts", {}).items():
        assert alert.facts_dict.get(label) == text, label


def test_every_kind_has_at_least_three_cases() -> None:
    modules = [case[1]["module"] for case in CASES]
    assert all(modules.count(module) >= 3 for module in ALERT_MODULES)


def test_module_tables_cover_the_eleven_kinds() -> None:
    assert len(ALERT_MODULES) == 11
    assert set(MODULE_KINDS) == set(ALERT_MODULES)
    assert set(MODULE_KINDS.values()) == set(AlertKind)
    assert AlertKind.EDR.label == "Endpoint Detection and Response"
    assert all(kind.label for kind in AlertKind)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-07-12T08:33:13.000Z", utc(2024, 7, 12, 8, 33, 13)),
        ("2024-07-12T10:33:13.000+02:00", utc(2024, 7, 12, 8, 33, 13)),
        ("2024-07-12T03:33:13-05:00", utc(2024, 7, 12, 8, 33, 13)),
        ("2024-07-12T08:33:13", utc(2024, 7, 12, 8, 33, 13)),
        ("2024-07-12 08:33:13", utc(2024, 7, 12, 8, 33, 13)),
        ("2017- 09 - 13T14: 20:37.000Z", utc(2017, 9, 13, 14, 20, 37)),
        (" 2017-09-13T14:20:37.000Z ", utc(2017, 9, 13, 14, 20, 37)),
        (1505386969, utc(2017, 9, 14, 11, 2, 49)),
        ("1505386969", utc(2017, 9, 14, 11, 2, 49)),
        (1505386969.5, utc(2017, 9, 14, 11, 2, 49, 500000)),
        (1720773248505, utc(2024, 7, 12, 8, 34, 8, 505000)),  # milliseconds, our choice
    ],
)
def test_parse_event_time(value: object, expected: datetime) -> None:
    parsed = parse_event_time(value)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "not a date",
        "2024-13-45T99:00:00Z",
        True,
        [],
        {},
        0,
        -5,
        float("nan"),
        float("inf"),
        10**400,
        "9" * 5000,
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_parse_event_time_unreadable(value: object) -> None:
    assert parse_event_time(value) is None


@pytest.mark.parametrize("bad_time", [None, "soon", 0, {"iso": "2024-07-12"}])
def test_unreadable_time_falls_back_to_received_at(bad_time: object) -> None:
    alert = normalize(event("av", final_status="blocked", timestamp=bad_time), RECEIVED)
    assert isinstance(alert, Alert)
    assert alert.occurred_at == RECEIVED


def test_naive_received_at_is_taken_as_utc() -> None:
    alert = normalize(event("av"), datetime(2024, 7, 12, 9, 0))
    assert isinstance(alert, Alert)
    assert alert.occurred_at == RECEIVED


@pytest.mark.parametrize(
    ("module", "group"),
    [
        ("install", "endpoint lifecycle"),
        ("uninstall", "endpoint lifecycle"),
        ("registration", "endpoint lifecycle"),
        ("modules", "endpoint lifecycle"),
        ("adcloud", "tenant / licence"),
        ("partner-changed", "tenant / licence"),
        ("dp", "other detection"),
        ("exchange-malware", "other detection"),
        ("device-control", "device control"),
        ("storage-antimalware", "storage"),
        ("sva", "infrastructure"),
        ("task-status", "infrastructure"),
        ("new-extended-incident", "XDR"),
        ("brand-new-module", "unknown module"),
    ],
)
def test_non_alert_modules_are_ignored(module: str, group: str) -> None:
    result = normalize(event(module, status="data_protection_blocked"), RECEIVED)
    assert isinstance(result, Ignored)
    assert result.module == module
    assert f"module '{module}' is not an alert kind" in result.reason
    assert group in result.reason
    assert result.is_test is False


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "event is not a JSON object"),
        ([{"module": "av"}], "event is not a JSON object"),
        ("av", "event is not a JSON object"),
        (42, "event is not a JSON object"),
        ({}, "event has no 'module' field"),
        ({"module": None}, "event has no 'module' field"),
        ({"module": ""}, "event has no 'module' field"),
        ({"module": "   "}, "event has no 'module' field"),
        ({"module": 5}, "event 'module' field is not a string"),
        ({"module": ["av"]}, "event 'module' field is not a string"),
    ],
)
def test_malformed_events_are_ignored(raw: object, reason: str) -> None:
    assert normalize(raw, RECEIVED) == Ignored(None, reason)


def test_long_unknown_module_is_cut_in_the_reason() -> None:
    result = normalize({"module": "x" * 500}, RECEIVED)
    assert isinstance(result, Ignored)
    assert len(result.reason) < 120


@pytest.mark.parametrize(
    ("flag", "expected"), [(True, True), ("true", True), (False, False), ("no", False), (1, False)]
)
def test_test_event_flag(flag: object, expected: bool) -> None:
    alert = normalize(event("av", final_status="blocked", _testEvent_=flag), RECEIVED)
    ignored = normalize(event("install", _testEvent_=flag), RECEIVED)
    assert isinstance(alert, Alert)
    assert isinstance(ignored, Ignored)
    assert (alert.is_test, ignored.is_test) == (expected, expected)


def test_test_flag_kept_when_module_missing() -> None:
    assert normalize({"_testEvent_": True}, RECEIVED) == Ignored(
        None, "event has no 'module' field", is_test=True
    )


def test_incident_id_only_on_edr() -> None:
    edr = normalize(event("new-incident", incident_id="abc123", main_action="blocked"), RECEIVED)
    av = normalize(event("av", incident_id="abc123"), RECEIVED)
    assert isinstance(edr, Alert)
    assert isinstance(av, Alert)
    assert (edr.incident_id, av.incident_id) == ("abc123", None)


def test_facts_never_contain_nested_objects() -> None:
    raw = event(
        "new-incident",
        main_action="blocked",
        detection_name={"nested": "object"},
        attack_types=["Execution", {"secret": "x"}, ["deep"]],
        process_command_line="a" * 5000,
        user={"name": {"deep": "x"}},
        username="carol",
        oldData={"whole": "payload"},
    )
    alert = normalize(raw, RECEIVED)
    assert isinstance(alert, Alert)
    texts = [text for _, text in alert.facts]
    assert all(isinstance(text, str) and len(text) <= 500 for text in texts)
    assert not any("{" in text or "secret" in text or "deep" in text for text in texts)
    assert alert.facts_dict["Attack types"] == "Execution"
    assert alert.facts_dict["User"] == "carol"
    assert "Detection" not in alert.facts_dict
    assert alert.title == "Endpoint Detection and Response: incident blocked on WS-042"


def test_endpoint_without_name_or_ip() -> None:
    raw = {"module": "fw", "status": "traffic_blocked"}
    alert = normalize(raw, RECEIVED)
    assert isinstance(alert, Alert)
    assert alert.title == "Firewall: traffic blocked on an unknown endpoint"
    assert (alert.endpoint_id, alert.endpoint_name, alert.endpoint_ip) == (None, None, None)


# Property: normalize never raises and always answers with an aware time.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
TIMES = (
    st.integers()
    | st.floats()
    | st.datetimes().map(datetime.isoformat)
    | st.sampled_from(["2017- 09 - 13T14: 20:37.000Z", "1505386969", "undefined"])
)
FIELDS = sorted(
    {
        *IDENTITY,
        *("endpointId", "computerName", "computerIp", "_testEvent_", "user", "username"),
        *("final_status", "status", "detection_action", "main_action", "actionTaken"),
        *("remediationActions", "malware_name", "url", "incident_id", "detection_name"),
        *("severity_score", "severityScore", "attack_types", "source_ip", "filePaths"),
        *("threatType", "attack_source", "exploit_type", "is_fileless_attack", "count"),
    }
)
TIME_FIELDS = (
    *("timestamp", "last_blocked", "detection_time", "created", "date"),
    *("detectionTime", "detected_on"),
)
ALERT_EVENTS = st.fixed_dictionaries(
    {"module": st.sampled_from(ALERT_MODULES)},
    optional={**dict.fromkeys(FIELDS, JSON), **dict.fromkeys(TIME_FIELDS, TIMES)},
)
RECEIVED_AT = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))]))


@settings(max_examples=300, deadline=None)
@given(raw=JSON | ALERT_EVENTS, received_at=RECEIVED_AT)
def test_normalize_never_raises(raw: object, received_at: datetime) -> None:
    result = normalize(raw, received_at)
    assert isinstance(result, Alert | Ignored)
    if isinstance(result, Alert):
        assert result.occurred_at.tzinfo is not None
        assert result.occurred_at.utcoffset() is not None
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.facts)
        assert result.title


def test_a_kind_is_named_by_slug_label_or_module_code():
    from psabridge.domain.alert_modules import AlertKind, kind_named

    assert kind_named("antimalware") is AlertKind.ANTIMALWARE
    assert kind_named("av") is AlertKind.ANTIMALWARE
    assert kind_named("Web Traffic Scan") is kind_named("web-traffic-scan") is not None
    assert kind_named("network_attack_defense") is AlertKind.NETWORK_ATTACK_DEFENSE
    assert kind_named("nope") is None
