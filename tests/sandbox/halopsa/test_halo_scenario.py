"""The seeded world: name matching spread, assets from GZ endpoints, reset, runner info."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import httpx

from psabridge.sandbox.halopsa.scenario import vary_name
from psabridge.sandbox.runner import Sandbox

from .helpers import HaloApi


def test_info_keys_and_ports(halo: HaloApi) -> None:
    sandbox = halo.box
    info = sandbox.info()["halopsa"]
    assert set(info) == {
        "base_url",
        "auth_url",
        "tenant",
        "client_id",
        "client_secret",
        "sandbox_url",
    }
    assert info["base_url"].startswith("http://127.0.0.1:")
    assert info["auth_url"] == info["base_url"] + "/auth"
    assert info["sandbox_url"] == info["base_url"] + "/_sandbox"
    assert info["base_url"] != sandbox.info()["gravityzone"]["base_url"].removesuffix("/api")


def test_name_matching_spread(halo: HaloApi) -> None:
    plan = halo.sandbox("GET", "state")["scenario"]
    matches = Counter(c["match"] for c in plan["companies"])
    assert matches == {"exact": 15, "variant": 6, "missing": 4}  # 25 GZ customers
    clients = halo.ok(halo.get("/api/Client", includeinactive="true"))["clients"]
    names = {c["id"]: c["name"] for c in clients}
    for company in plan["companies"]:
        if company["match"] == "exact":
            assert names[company["halo_client_id"]] == company["gravityzone_name"]
        elif company["match"] == "variant":
            halo_name = names[company["halo_client_id"]]
            assert halo_name != company["gravityzone_name"]
            assert halo_name.lower()[:4] == company["gravityzone_name"].lower()[:4]
        else:
            assert company["gravityzone_name"] not in names.values()
    only = plan["halo_only"]
    assert len(only) == 5 and sum(c["inactive"] for c in only) == 1
    assert len(clients) == 21 + 5
    assert [c["name"] for c in clients if c["inactive"]] == ["Initech Ltd"]


def test_name_variations() -> None:
    rng = random.Random(1)
    variants = {vary_name(rng, "Acme Dental Ltd") for _ in range(60)}
    assert variants == {
        "Acme Dental Limited",
        "ACME DENTAL, LTD",
        "acme dental ltd",
        "Acme-Dental Ltd",
        "Acme Dental Ltd.",
    }
    assert "ACME DENTAL, LLC" in {vary_name(rng, "Acme Dental") for _ in range(60)}


def test_assets_come_from_gravityzone_endpoints(halo: HaloApi) -> None:
    world = halo.box.gravityzone.world
    plan = halo.sandbox("GET", "state")["scenario"]["companies"]
    fqdn_kinds: Counter[str] = Counter()
    total_endpoints = total_assets = 0
    for company in (c for c in plan if c["match"] != "missing"):
        endpoints = {e.name: e for e in world.endpoints_of(company["gravityzone_id"])}
        query = {"client_id": company["halo_client_id"], "includeinactive": "true"}
        assets = halo.ok(halo.get("/api/Asset", **query))["assets"]
        total_endpoints, total_assets = total_endpoints + len(endpoints), total_assets + len(assets)
        for asset in assets:
            endpoint = endpoints[asset["inventory_number"]]
            assert (asset["key_field"], asset["key_field2"]) == (endpoint.ips[0], endpoint.macs[0])
            fqdn_kinds[_fqdn_kind(asset["key_field3"], endpoint.fqdn)] += 1
    assert 0.75 * total_endpoints <= total_assets < total_endpoints
    assert set(fqdn_kinds) == {"exact", "upper", "host", "none"}


def _fqdn_kind(value: str | None, fqdn: str) -> str:
    if value is None:
        return "none"
    if value == fqdn:
        return "exact"
    if value == fqdn.upper():
        return "upper"
    assert fqdn.startswith(value + ".")
    return "host"


def _clients(halo: HaloApi) -> list[tuple[int, str, bool, int]]:
    listing = halo.ok(halo.get("/api/Client", includeinactive="true"))["clients"]
    return [(c["id"], c["name"], c["inactive"], c["main_site_id"]) for c in listing]


def test_scenario_is_deterministic_and_reset_restores_it(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    first, second = (HaloApi(make_sandbox(seed=11), http) for _ in range(2))
    assert first.info["client_id"] == second.info["client_id"]
    assert _clients(first) == _clients(second)
    before = _clients(first)
    first.create_ticket()
    first.sandbox("POST", "clients", {"name": "Extra Co"})
    first.sandbox("POST", "items/delete", {"id": 2})
    first.sandbox("POST", "reset")
    assert _clients(first) == before
    assert first.sandbox("GET", "state")["counts"]["tickets"] == 0
    assert first.ok(first.get("/api/Item"))["record_count"] == 4
    assert first.get("/api/Status").status_code == 200  # tokens survive a reset


def test_parallel_creates_get_distinct_ids(halo: HaloApi) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client_id = halo.client_id()
    halo.token()

    def create(n: int) -> int:
        body = [{"summary": f"p{n}", "client_id": client_id, "supplier_reference": f"r{n}"}]
        return int(halo.ok(halo.post("/api/Tickets", body), 201)["id"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(create, range(48)))
    assert len(set(ids)) == 48 and sorted(ids) == list(range(1001, 1049))
    assert halo.sandbox("GET", "state")["calls"]["POST /api/Tickets"] == 48
