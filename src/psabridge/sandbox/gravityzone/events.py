"""Templates of the 11 alert modules, with the field names and formats of reference 4.2-4.14."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import epoch_seconds, event_time
from .state import Company, Endpoint

ALERT_MODULES = (
    "av", "avc", "antiexploit", "aph", "new-incident", "fw", "uc",
    "network-sandboxing", "ransomware-mitigation", "network-monitor", "hd",
)  # fmt: skip
USERS = ("jsmith", "amiller", "rjones", "kpatel", "lgarcia", "Administrator")
MALWARE = ("Trojan.GenericKD.46542893", "Gen:Variant.Razy.912345", "Generic.Ransom.Crypt.5F2",
           "EICAR-Test-File (not a virus)", "Trojan.Agent.FQZB")  # fmt: skip
URLS = ("http://paypa1-login.example/verify", "http://invoice-docs.example/view.php",
        "http://free-gift-cards.example/claim", "http://bank-secure.example/session")  # fmt: skip
TECHNIQUES = ("T1059.001", "T1055", "T1486", "T1003.001", "T1547.001", "T1071")
ATTACK_TYPES = ("Credential Access", "Execution", "Persistence", "Defense Evasion",
                "Lateral Movement", "Exfiltration", "Impact")  # fmt: skip


@dataclass(frozen=True)
class Subject:
    """Who an event is about: company and endpoint identity (reference 4.2)."""

    company_id: str
    company_name: str
    computer_name: str
    computer_fqdn: str
    ips: tuple[str, ...]
    computer_id: str
    endpoint_id: str
    hwid: str

    @classmethod
    def of(cls, endpoint: Endpoint, company: Company) -> Subject:
        """Return the subject for a scenario endpoint."""
        return cls(
            company.id,
            company.name,
            endpoint.name,
            endpoint.fqdn,
            tuple(endpoint.ips),
            endpoint.computer_id,
            endpoint.id,
            endpoint.hwid,
        )


@dataclass
class Draw:
    """Random draws shared by the templates."""

    rng: random.Random
    now: datetime

    def hex(self, bits: int) -> str:
        """Return `bits` random bits as lowercase hex."""
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def when(self) -> datetime:
        """Return a detection time in the last five minutes."""
        return self.now - timedelta(
            seconds=self.rng.randint(0, 300), milliseconds=self.rng.randint(0, 999)
        )

    def ip(self) -> str:
        """Return a public-looking IP address."""
        octets = (self.rng.randint(11, 223), *(self.rng.randint(0, 255) for _ in range(2)))
        return ".".join(map(str, (*octets, self.rng.randint(1, 254))))

    def user(self) -> str:
        """Return a user name."""
        return self.rng.choice(USERS)

    def sid(self) -> str:
        """Return a Windows SID."""
        parts = [self.rng.randint(10**9, 4 * 10**9) for _ in range(2)]
        return f"S-1-5-21-{parts[0]}-{parts[1]}-{self.rng.randint(1000, 1300)}"

    def exe(self) -> str:
        """Return a suspicious executable path."""
        stem = self.rng.choice(("invoice", "setup", "update"))
        return f"C:\\Users\\{self.user()}\\Downloads\\{stem}_{self.rng.randint(1, 99)}.exe"


def identity(
    module: str, subject: Subject, draw: Draw, *, endpoint_id: bool = False
) -> dict[str, Any]:
    """Return the common identity fields; computer_ip is sometimes a comma-separated list."""
    separator = draw.rng.choice((", ", ","))
    event: dict[str, Any] = {
        "module": module,
        "product_installed": "BEST",
        "companyId": subject.company_id,
        "computer_name": subject.computer_name,
        "computer_fqdn": subject.computer_fqdn,
        "computer_ip": separator.join(subject.ips),
        "computer_id": subject.computer_id,
    }
    if endpoint_id:
        event["endpointId"] = subject.endpoint_id
    return event


def _av(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    status = draw.rng.choice(("deleted", "quarantined", "blocked")) if blocked else "ignored"
    event = identity("av", subject, draw)
    event.update(
        malware_type="file",
        malware_name=draw.rng.choice(MALWARE),
        file_path=draw.exe(),
        hash=draw.hex(256),
        final_status=status,
        timestamp=event_time(draw.when()),
        user={"id": draw.sid(), "name": draw.user()},
        signaturesNumber=str(draw.rng.randint(7_000_000, 8_000_000)),
        scanEngineType=draw.rng.choice((2, 3)),
    )
    # Open question 6: the counter matching final_status is 1, the others 0.
    for counter in ("cleaned", "blocked", "deleted", "quarantined", "ignored", "present"):
        event[counter] = 1 if counter == status else 0
    return event


def _aggregated(draw: Draw) -> dict[str, Any]:
    """Return `last_blocked` (ISO ms Z) and `count` of the folded modules (reference 5)."""
    return {"last_blocked": event_time(draw.when()), "count": draw.rng.randint(1, 5)}


def _avc(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("avc", subject, draw)
    event.update(
        exploit_type="AVC Blocked Exploit",
        exploit_path=draw.exe(),
        status="avc_blocked" if blocked else "avc_detected",
        **_aggregated(draw),
    )
    return event


def _antiexploit(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("antiexploit", subject, draw, endpoint_id=True)
    event.update(
        detection_action="kill" if blocked else "report",
        detection_threatName="Exploit.ROP.Generic",
        detection_exploitTechnique=draw.rng.choice(("ROP", "Heap spray", "Stack pivot")),
        detection_cve=f"CVE-2024-{draw.rng.randint(1000, 49999)}",
        detection_path="C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        detection_parentPath="C:\\Windows\\explorer.exe",
        detection_pid=draw.rng.randint(1000, 30000),
        detection_parentPid=draw.rng.randint(100, 999),
        detection_username=draw.user(),
        detection_time=event_time(draw.when()),
    )
    return event


def _aph(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("aph", subject, draw)
    event.update(
        aph_type=draw.rng.choice(("phishing", "fraud", "untrust")),
        url=draw.rng.choice(URLS),
        status="aph_blocked" if blocked else "reportOnly",
        user={"id": draw.sid(), "name": draw.user()},
        **_aggregated(draw),
    )
    return event


def new_incident(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    """Return a new-incident event; the score spelling varies (reference 4.8)."""
    score = draw.rng.randint(40, 94)
    event = identity("new-incident", subject, draw, endpoint_id=True)
    techniques = draw.rng.sample(TECHNIQUES, 2)
    event.update(
        incident_id=draw.hex(96),
        created=event_time(draw.when()),
        detection_name=draw.rng.choice(
            ("ATC.Suspicious.Powershell", "Gen:Heur.Ransom.HiddenTears")
        ),
        attack_entry=epoch_seconds(draw.when()),
        attack_types=draw.rng.sample(ATTACK_TYPES, 2),
        att_ck_id=techniques,
        severity="high" if score >= 70 else "medium",
        main_action="blocked" if blocked else "no action",
        process_path="C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        process_command_line="powershell.exe -nop -w hidden -enc SQBFAFgA",
        parent_process_path="C:\\Windows\\explorer.exe",
        process_pid=draw.rng.randint(1000, 30000),
        parent_process_pid=draw.rng.randint(100, 999),
        username=draw.user(),
        user_sid=draw.sid(),
        file_name="payload.ps1",
        file_path=f"C:\\Users\\{draw.user()}\\AppData\\Local\\Temp\\payload.ps1",
        file_hash_md5=draw.hex(128),
        file_hash_sha256=draw.hex(256),
    )
    event[draw.rng.choice(("severity_score", "severityScore"))] = score
    return event


def _fw(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    kind = draw.rng.choice(("portscan", "traffic"))
    event = identity("fw", subject, draw)
    event.update(
        status=f"{kind}_blocked" if blocked else f"{kind}_detected",
        protocol_id=draw.rng.choice(("6", "17")),
        source_ip=draw.ip(),
        application_path="C:\\Windows\\System32\\svchost.exe",
        local_port=draw.rng.choice((445, 3389, 135, 22)),
        user={"id": draw.sid(), "name": draw.user()},
        **_aggregated(draw),
    )
    return event


def _uc(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("uc", subject, draw)
    event.update(
        uc_type="http",
        url=draw.rng.choice(("http://casino-royal.example/", "http://games.example/play")),
        block_type=draw.rng.choice(("http_timelimiter", "http_categories")),
        application_path="C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        categories=draw.rng.choice(("Gambling", "Games", "Social Networks")),
        status="uc_site_blocked" if blocked else "uc_site_detected",
        **_aggregated(draw),
    )
    return event


def _network_sandboxing(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    files = [draw.exe() for _ in range(draw.rng.randint(1, 2))]
    # Our code table (reference 4.11): "1" = file remediated (blocked), "" = no action.
    return {
        "module": "network-sandboxing",
        "product_installed": "BEST",
        "companyId": subject.company_id,
        "endpointId": subject.endpoint_id,
        "computerName": subject.computer_name,
        "computerIp": subject.ips[0],
        "detectionTime": epoch_seconds(draw.when()),
        "threatType": draw.rng.choice(("RANSOMWARE", "TROJAN", "EXPLOIT")),
        "filePaths": files,
        "fileSizes": [str(draw.rng.randint(10_000, 9_000_000)) for _ in files],
        "remediationActions": ["1" if blocked else "" for _ in files],
    }


def _ransomware(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    # No outcome field exists (reference 4.12): every ransomware event reads as blocked.
    event = identity("ransomware-mitigation", subject, draw)
    event.update(
        company_name=subject.company_name,
        attack_type=draw.rng.choice(("remote", "local")),
        attack_source=draw.ip(),
        item_count=str(draw.rng.randint(1, 60)),
        detected_on=epoch_seconds(draw.when()),
        user={"name": draw.user(), "sid": draw.sid()},
    )
    return event


def _network_monitor(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("network-monitor", subject, draw)
    event.update(
        actionTaken="block" if blocked else "reportOnly",
        detection_name=draw.rng.choice(("Exploit.CVE-2017-0144", "Bruteforce.RDP")),
        detection_attackTechnique=draw.rng.choice(("T1210", "T1110")),
        source_ip=draw.ip(),
        victim_ip=subject.ips[0],
        local_port=draw.rng.choice((445, 3389)),
        timestamp=event_time(draw.when()),
        user={"userName": draw.user(), "userSid": draw.sid()},
    )
    return event


def _hd(subject: Subject, blocked: bool, draw: Draw) -> dict[str, Any]:
    event = identity("hd", subject, draw)
    event.update(
        malware_type="file",
        malware_name=draw.rng.choice(MALWARE),
        file_path=draw.exe(),
        hash=draw.hex(256),
        hwid=subject.hwid,
        final_status="quarantined" if blocked else "ignored",
        attack_type=draw.rng.choice(("targeted attack", "suspicious files and network traffic")),
        detection_level=draw.rng.choice(("permissive", "normal", "aggressive")),
        is_fileless_attack=draw.rng.choice((0, 1)),
        command_line_parameters="-silent",
        process_info_path=draw.exe(),
        process_info_command_line="setup.exe -silent",
        parent_process_path="C:\\Windows\\explorer.exe",
        parent_process_id=draw.rng.randint(100, 999),
        date=event_time(draw.when()),
        user={"name": draw.user(), "sid": draw.sid()},
    )
    return event


ALERT_BUILDERS: dict[str, Callable[[Subject, bool, Draw], dict[str, Any]]] = {
    "av": _av,
    "avc": _avc,
    "antiexploit": _antiexploit,
    "aph": _aph,
    "new-incident": new_incident,
    "fw": _fw,
    "uc": _uc,
    "network-sandboxing": _network_sandboxing,
    "ransomware-mitigation": _ransomware,
    "network-monitor": _network_monitor,
    "hd": _hd,
}


def escalate(previous: dict[str, Any], draw: Draw) -> dict[str, Any]:
    """Return an EDR re-send: same incident_id, higher score, more attack_types (reference 5)."""
    event = dict(previous)
    key = "severity_score" if "severity_score" in previous else "severityScore"
    event[key] = min(100, previous[key] + draw.rng.randint(3, 8))
    extra = [t for t in ATTACK_TYPES if t not in previous["attack_types"]]
    event["attack_types"] = [*previous["attack_types"], *extra[:1]]
    event["severity"] = "high" if event[key] >= 70 else "medium"
    return event
