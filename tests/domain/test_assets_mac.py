"""MAC matching ignores separators and case (R5.12: ConnectWise writes AA:BB:CC:DD:EE:FF)."""

from __future__ import annotations

import pytest

from psabridge.domain.assets import AssetRule, EndpointFacts, match_assets

ASSETS = [
    {"id": 1, "key_field2": "AA:BB:CC:DD:EE:01"},
    {"id": 2, "key_field2": "aa-bb-cc-dd-ee-02"},
    {"id": 3, "key_field2": ""},
]


@pytest.mark.parametrize(
    ("mac", "mode", "found"),
    [
        ("aabbccddee01", "exact", ["1"]),
        ("AA-BB-CC-DD-EE-02", "exact", ["2"]),
        ("aa:bb:cc:dd:ee:02", "exact", ["2"]),
        ("ccddee01", "contains", ["1"]),
        ("aabbccddee03", "exact", []),
        ("", "exact", []),
    ],
)
def test_mac_matching_compares_the_hex_digits(mac, mode, found):
    rule = AssetRule("mac", "key_field2", mode, case_sensitive=True)
    assert match_assets(EndpointFacts(mac=mac), ASSETS, rule) == found
