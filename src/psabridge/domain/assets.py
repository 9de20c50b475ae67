"""Asset matching (R5.12): find the PSA asset of an endpoint by one attribute and one PSA field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MATCH_BY = ("name", "ip", "mac", "fqdn")
MODES = ("exact", "contains", "is_contained")


@dataclass(frozen=True)
class AssetRule:
    """Which endpoint attribute is compared with which PSA field, and how."""

    match_by: str = "name"  # one of MATCH_BY; "" switches matching off
    field: str = "inventory_number"
    mode: str = "exact"  # "contains": the PSA value contains ours; "is_contained": ours contains it
    case_sensitive: bool = False


@dataclass(frozen=True)
class EndpointFacts:
    """What an alert tells about its endpoint."""

    name: str = ""
    ip: str = ""
    mac: str = ""
    fqdn: str = ""


def _comparable(value: str, rule: AssetRule) -> str:
    value = value.strip()
    if rule.match_by == "mac":
        # PSAs write MACs as AA:BB:.. or aa-bb-.. (ConnectWise configurations), GravityZone
        # as 12 bare hex digits: compare the digits only, whatever the case setting.
        return "".join(c for c in value if c not in ":-. ").casefold()
    return value if rule.case_sensitive else value.casefold()


def _matches(ours: str, theirs: str, rule: AssetRule) -> bool:
    if not ours or not theirs:
        return False
    if rule.mode == "contains":
        return ours in theirs
    if rule.mode == "is_contained":
        return theirs in ours
    return ours == theirs


def match_assets(
    endpoint: EndpointFacts, assets: Iterable[Mapping[str, object]], rule: AssetRule
) -> list[str]:
    """Return the ids of the PSA assets matching the endpoint under the rule."""
    if rule.match_by not in MATCH_BY:
        return []
    ours = _comparable(str(getattr(endpoint, rule.match_by) or ""), rule)
    return [
        str(asset["id"])
        for asset in assets
        if _matches(ours, _comparable(str(asset.get(rule.field) or ""), rule), rule)
    ]
