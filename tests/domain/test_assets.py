"""Asset matching modes and case sensitivity (R5.12)."""

from __future__ import annotations

import pytest

from psabridge.domain.assets import AssetRule, EndpointFacts, match_assets

ASSETS = [
    {
        "id": 1,
        "inventory_number": "WS-042",
        "key_field": "10.0.0.42",
        "key_field3": "ws-042.corp.example",
    },
    {"id": 2, "inventory_number": "ws-042-old", "key_field": "10.0.0.142", "key_field3": "WS-042"},
    {"id": 3, "inventory_number": "SRV-1", "key_field": "", "key_field3": None},
]
ENDPOINT = EndpointFacts(name="WS-042", ip="10.0.0.42", fqdn="WS-042.corp.example")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (AssetRule("name", "inventory_number", "exact", False), ["1"]),
        (AssetRule("name", "inventory_number", "exact", True), ["1"]),
        (AssetRule("name", "inventory_number", "contains", False), ["1", "2"]),
        (AssetRule("name", "inventory_number", "contains", True), ["1"]),
        (AssetRule("fqdn", "key_field3", "exact", False), ["1"]),
        (AssetRule("fqdn", "key_field3", "exact", True), []),
        (AssetRule("fqdn", "key_field3", "is_contained", False), ["1", "2"]),
        (AssetRule("ip", "key_field", "exact", False), ["1"]),
        (AssetRule("ip", "key_field", "contains", False), ["1"]),
        (AssetRule("ip", "key_field", "is_contained", False), ["1"]),
        (AssetRule("mac", "key_field2", "exact", False), []),
        (AssetRule("", "inventory_number", "exact", False), []),
    ],
)
def test_matching(rule, expected):
    assert match_assets(ENDPOINT, ASSETS, rule) == expected


def test_empty_values_never_match():
    assert match_assets(EndpointFacts(), ASSETS, AssetRule("name", "key_field", "contains")) == []
