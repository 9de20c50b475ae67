"""One table entry per GravityZone alert push module: kind, outcome rule, time field, facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

Event = Mapping[str, Any]
Getter = Callable[[Event], object]


class AlertKind(StrEnum):
    """The 11 alert kinds of the product; the values are stable slugs stored in the database."""

    ANTIMALWARE = "antimalware"
    ADVANCED_THREAT_CONTROL = "advanced_threat_control"
    ADVANCED_ANTI_EXPLOIT = "advanced_anti_exploit"
    ANTIPHISHING = "antiphishing"
    EDR = "edr"
    FIREWALL = "firewall"
    # Our choice: GravityZone has no "Web Traffic Scan" push module (reference 4.10 and
    # open question 13), so the Content Control web blocks of module `uc` stand for it.
    WEB_TRAFFIC_SCAN = "web_traffic_scan"
    SANDBOX_ANALYZER = "sandbox_analyzer"
    RANSOMWARE_DETECTION = "ransomware_detection"
    NETWORK_ATTACK_DEFENSE = "network_attack_defense"
    HYPERDETECT = "hyperdetect"

    @property
    def label(self) -> str:
        """Return the name of the kind as the product shows it."""
        return _KIND_LABELS[self]


_KIND_LABELS: Mapping[AlertKind, str] = {
    AlertKind.ANTIMALWARE: "Antimalware",
    AlertKind.ADVANCED_THREAT_CONTROL: "Advanced Threat Control",
    AlertKind.ADVANCED_ANTI_EXPLOIT: "Advanced Anti-Exploit",
    AlertKind.ANTIPHISHING: "Antiphishing",
    AlertKind.EDR: "Endpoint Detection and Response",
    AlertKind.FIREWALL: "Firewall",
    AlertKind.WEB_TRAFFIC_SCAN: "Web Traffic Scan",
    AlertKind.SANDBOX_ANALYZER: "Sandbox Analyzer",
    AlertKind.RANSOMWARE_DETECTION: "Ransomware Detection",
    AlertKind.NETWORK_ATTACK_DEFENSE: "Network Attack Defense",
    AlertKind.HYPERDETECT: "HyperDetect",
}


class Outcome(StrEnum):
    """Whether GravityZone handled the threat or it is still present on the endpoint."""

    BLOCKED = "blocked"
    CURRENT = "current"


def scalar_text(value: object) -> str | None:
    """Return a str, int or float as stripped text; None for anything else or empty text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return text or None


def field(*names: str) -> Getter:
    """Return a getter of the first of the top-level fields that holds a non-empty value."""

    def get(event: Event) -> object:
        for name in names:
            value = event.get(name)
            if scalar_text(value) is not None or (isinstance(value, list) and value):
                return value
        return None

    return get


def user_name(event: Event) -> str | None:
    """Return the user's name from any of the shapes of reference 4.2."""
    # `user` is {id,name}, {name,sid} or {userName,userSid}, else top-level fields
    user = event.get("user")
    if isinstance(user, Mapping):
        name = scalar_text(user.get("name")) or scalar_text(user.get("userName"))
        if name:
            return name
    return scalar_text(event.get("username")) or scalar_text(event.get("detection_username"))


def yes_no(name: str) -> Getter:
    """Return a getter showing a 0/1 flag field as "yes"/"no"."""

    def get(event: Event) -> str | None:
        value = scalar_text(event.get(name))
        return {"1": "yes", "0": "no", "true": "yes", "false": "no"}.get((value or "").lower())

    return get


# reference 4.3, generic rule: a value naming a block, a removal or a kill means handled.
# "Contains block" is read as "is block(ed) or ends in _blocked": "unblocked" is no block.
_HANDLED_VALUES = frozenset({"block", "blocked", "deleted", "quarantined", "cleaned", "kill"})


def is_handled(value: object) -> bool:
    """Return True when an action/status value means the threat was handled (reference 4.3)."""
    text = (scalar_text(value) or "").lower()
    return text in _HANDLED_VALUES or text.endswith("_blocked")


def outcome_of(name: str) -> Callable[[Event], Outcome]:
    """Return a rule reading the outcome from one field by the generic rule of reference 4.3."""

    def rule(event: Event) -> Outcome:
        return Outcome.BLOCKED if is_handled(event.get(name)) else Outcome.CURRENT

    return rule


# Our own table, not Bitdefender's: reference 4.11 leaves the remediationActions codes
# undocumented. We read "1" as "blocked/removed"; every other code ("" included) is unknown
# and counts as a current threat (open question 5).
SANDBOX_BLOCKED_CODES = frozenset({"1"})


def sandbox_outcome(event: Event) -> Outcome:
    """Return blocked only when every file's remediation code is one we read as blocked."""
    actions = event.get("remediationActions")
    if not isinstance(actions, list) or not actions:
        return Outcome.CURRENT
    codes = [scalar_text(action) for action in actions]
    handled = all(code in SANDBOX_BLOCKED_CODES for code in codes)
    return Outcome.BLOCKED if handled else Outcome.CURRENT


def always_blocked(event: Event) -> Outcome:
    """Return blocked: reference 4.12 has no action field and describes a stopped attack."""
    return Outcome.BLOCKED


def prefixed(prefix: str, name: str, default: str) -> Callable[[Event], str]:
    """Return a getter of "<prefix> <field>" or the default when the field is empty."""

    def get(event: Event) -> str:
        value = scalar_text(event.get(name))
        return f"{prefix} {value}" if value else default

    return get


def firewall_subject(event: Event) -> str:
    """Return "port scan from <ip>" or "traffic from <ip>" for a firewall event."""
    status = (scalar_text(event.get("status")) or "").lower()
    noun = "port scan" if status.startswith("portscan") else "traffic"
    return prefixed(f"{noun} from", "source_ip", noun)(event)


@dataclass(frozen=True)
class ModuleSpec:
    """How one push module becomes an alert."""

    kind: AlertKind
    time_fields: tuple[str, ...]
    outcome: Callable[[Event], Outcome]
    subject: Getter  # what was detected, for the title
    default_subject: str
    facts: tuple[tuple[str, Getter], ...]


_USER = ("User", user_name)

MODULE_SPECS: Mapping[str, ModuleSpec] = MappingProxyType(
    {
        # reference 4.4
        "av": ModuleSpec(
            kind=AlertKind.ANTIMALWARE,
            time_fields=("timestamp",),
            outcome=outcome_of("final_status"),
            subject=field("malware_name"),
            default_subject="malware",
            facts=(
                ("Threat", field("malware_name")),
                ("Threat type", field("malware_type")),
                ("File path", field("file_path")),
                ("SHA-256", field("hash")),
                ("Final status", field("final_status")),
                _USER,
            ),
        ),
        # reference 4.5
        "avc": ModuleSpec(
            kind=AlertKind.ADVANCED_THREAT_CONTROL,
            time_fields=("last_blocked",),
            outcome=outcome_of("status"),
            subject=field("exploit_type", "exploit_path"),
            default_subject="suspicious process",
            facts=(
                ("Exploit type", field("exploit_type")),
                ("Path", field("exploit_path")),
                ("Status", field("status")),
                ("Count", field("count")),
            ),
        ),
        # reference 4.6
        "antiexploit": ModuleSpec(
            kind=AlertKind.ADVANCED_ANTI_EXPLOIT,
            time_fields=("detection_time",),
            outcome=outcome_of("detection_action"),
            subject=field("detection_threatName", "detection_exploitTechnique"),
            default_subject="exploit",
            facts=(
                ("Threat", field("detection_threatName")),
                ("Technique", field("detection_exploitTechnique")),
                ("CVE", field("detection_cve")),
                ("Path", field("detection_path")),
                ("Parent path", field("detection_parentPath")),
                ("PID", field("detection_pid")),
                ("Action", field("detection_action")),
                _USER,
            ),
        ),
        # reference 4.7
        "aph": ModuleSpec(
            kind=AlertKind.ANTIPHISHING,
            time_fields=("last_blocked",),
            outcome=outcome_of("status"),
            subject=field("url"),
            default_subject="phishing page",
            facts=(
                ("Type", field("aph_type")),
                ("URL", field("url")),
                ("Status", field("status")),
                ("Count", field("count")),
                _USER,
            ),
        ),
        # reference 4.8: the outcome rule also reads Sekoia's quarantined/cleaned/deleted
        # as handled; "no action" and unknown values are a current threat.
        "new-incident": ModuleSpec(
            kind=AlertKind.EDR,
            time_fields=("created",),
            outcome=outcome_of("main_action"),
            subject=field("detection_name"),
            default_subject="incident",
            facts=(
                ("Incident", field("incident_id")),
                ("Detection", field("detection_name")),
                ("Severity", field("severity")),
                # reference 4.8: both spellings of the score are seen
                ("Severity score", field("severity_score", "severityScore")),
                ("Main action", field("main_action")),
                ("Attack types", field("attack_types")),
                ("ATT&CK", field("att_ck_id")),
                ("Process path", field("process_path")),
                ("Command line", field("process_command_line")),
                ("Parent process", field("parent_process_path")),
                ("File", field("file_path", "file_name")),
                ("SHA-256", field("file_hash_sha256")),
                ("MD5", field("file_hash_md5")),
                _USER,
            ),
        ),
        # reference 4.9
        "fw": ModuleSpec(
            kind=AlertKind.FIREWALL,
            time_fields=("last_blocked",),
            outcome=outcome_of("status"),
            subject=firewall_subject,
            default_subject="traffic",
            facts=(
                ("Status", field("status")),
                ("Source IP", field("source_ip")),
                ("Local port", field("local_port")),
                ("Protocol", field("protocol_id")),
                ("Application", field("application_path")),
                ("Count", field("count")),
                _USER,
            ),
        ),
        # reference 4.10: Content Control web blocks stand for "Web Traffic Scan"
        "uc": ModuleSpec(
            kind=AlertKind.WEB_TRAFFIC_SCAN,
            time_fields=("last_blocked",),
            outcome=outcome_of("status"),
            subject=field("url"),
            default_subject="web page",
            facts=(
                ("URL", field("url")),
                ("Type", field("uc_type")),
                ("Block type", field("block_type")),
                ("Categories", field("categories")),
                ("Application", field("application_path")),
                ("Status", field("status")),
                ("Count", field("count")),
                _USER,
            ),
        ),
        # reference 4.11: detectionTime is epoch seconds
        "network-sandboxing": ModuleSpec(
            kind=AlertKind.SANDBOX_ANALYZER,
            time_fields=("detectionTime",),
            outcome=sandbox_outcome,
            subject=field("threatType"),
            default_subject="suspicious file",
            facts=(
                ("Threat type", field("threatType")),
                ("Files", field("filePaths")),
                ("Remediation codes", field("remediationActions")),
            ),
        ),
        # reference 4.12: detected_on is epoch seconds
        "ransomware-mitigation": ModuleSpec(
            kind=AlertKind.RANSOMWARE_DETECTION,
            time_fields=("detected_on",),
            outcome=always_blocked,
            subject=prefixed("ransomware attack from", "attack_source", "ransomware attack"),
            default_subject="ransomware attack",
            facts=(
                ("Attack type", field("attack_type")),
                ("Attack source", field("attack_source")),
                ("Items affected", field("item_count")),
                ("Company", field("company_name")),
                _USER,
            ),
        ),
        # reference 4.13
        "network-monitor": ModuleSpec(
            kind=AlertKind.NETWORK_ATTACK_DEFENSE,
            time_fields=("timestamp",),
            outcome=outcome_of("actionTaken"),
            subject=field("detection_name"),
            default_subject="network attack",
            facts=(
                ("Detection", field("detection_name")),
                ("Technique", field("detection_attackTechnique")),
                ("Source IP", field("source_ip")),
                ("Victim IP", field("victim_ip")),
                ("Local port", field("local_port")),
                ("Action", field("actionTaken")),
                _USER,
            ),
        ),
        # reference 4.14: final_status is read as for av
        "hd": ModuleSpec(
            kind=AlertKind.HYPERDETECT,
            time_fields=("date",),
            outcome=outcome_of("final_status"),
            subject=field("malware_name"),
            default_subject="suspicious file",
            facts=(
                ("Threat", field("malware_name")),
                ("Threat type", field("malware_type")),
                ("Attack type", field("attack_type")),
                ("Detection level", field("detection_level")),
                ("Fileless attack", yes_no("is_fileless_attack")),
                ("File path", field("file_path")),
                ("Hash", field("hash")),
                ("Command line", field("process_info_command_line")),
                ("Final status", field("final_status")),
                _USER,
            ),
        ),
    }
)

MODULE_KINDS: Mapping[str, AlertKind] = MappingProxyType(
    {module: spec.kind for module, spec in MODULE_SPECS.items()}
)
ALERT_MODULES: tuple[str, ...] = tuple(MODULE_SPECS)

# reference 4.1: the groups of the modules that are not alerts, to say why one is ignored.
_MODULE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "other detection": ("dp", "exchange-malware", "exchange-user-credentials"),
    "other detection: device control": ("device-control",),
    "other detection: storage": ("storage-antimalware",),
    "XDR, no published payload": ("new-extended-incident",),
    "endpoint lifecycle": (
        "install",
        "uninstall",
        "registration",
        "endpoint-moved-in",
        "endpoint-moved-out",
        "hwid-change",
        "modules",
    ),
    "infrastructure": (
        "sva",
        "sva-load",
        "supa-update-status",
        "security-container-update-available",
        "task-status",
        "troubleshooting-activity",
    ),
    "tenant / licence": ("adcloud", "partner-changed", "exchange-organization-info"),
    "unverified module": ("integrations-hub-status",),
}
NON_ALERT_GROUPS: Mapping[str, str] = MappingProxyType(
    {module: group for group, modules in _MODULE_GROUPS.items() for module in modules}
)


def kind_named(text: str) -> AlertKind | None:
    """Return the alert kind a user means by `text`: its slug ("antimalware"), its label in any
    case ("Antimalware", "web traffic scan") or a GravityZone module code ("av", "aph")."""
    wanted = text.strip().lower()
    if wanted in MODULE_KINDS:
        return MODULE_KINDS[wanted]
    squeezed = wanted.replace("-", " ").replace("_", " ")
    for kind in AlertKind:
        if squeezed in (kind.value.replace("_", " "), kind.label.lower()):
            return kind
    return None


# R5.3: the kinds that need a GravityZone add-on, by the licence's `manage*` flag that grants it
# (reference gravityzone.md 2.6); every other kind comes with Endpoint Security.
KIND_ADDONS: Mapping[AlertKind, str] = MappingProxyType(
    {
        AlertKind.HYPERDETECT: "manageHyperDetect",
        AlertKind.SANDBOX_ANALYZER: "manageSandboxAnalyzer",
        AlertKind.EDR: "manageEventCorrelator",
    }
)


def licensed_kinds(addons: Mapping[str, bool]) -> tuple[AlertKind, ...]:
    """Return the kinds a licence offers: a kind whose add-on flag is false is left out; a flag
    the licence does not report counts as granted (unknown is never hidden)."""
    return tuple(k for k in AlertKind if addons.get(KIND_ADDONS.get(k, ""), True) is not False)
