"""System info, companies, company statuses and configurations (reference 3.1-3.3)."""

from __future__ import annotations

from .paging import count_reply, list_reply, one_reply
from .store import Call, Record, Reply, public

VERSION = "v2025.1"


def system_info(call: Call) -> Reply:
    """GET /system/info: version and cloud flags (reference 3.1)."""
    return Reply(
        {
            "version": VERSION,
            "isCloud": True,
            "serverTimeZone": "Eastern Standard Time",
            "licenseBits": [{"name": "ServiceDesk", "activeFlag": True}],
            "cloudRegion": "NA",
        }
    )


def _companies(call: Call) -> list[Record]:
    """Return the companies; soft-deleted ones only when a condition names deletedFlag."""
    wants_deleted = "deletedflag" in (call.args.get("conditions") or "").lower()
    return [
        public(c) for c in call.store.rows("companies") if wants_deleted or not c.get("deletedFlag")
    ]


def list_companies(call: Call) -> Reply:
    """GET /company/companies."""
    return list_reply(call, _companies(call))


def count_companies(call: Call) -> Reply:
    """GET /company/companies/count."""
    return count_reply(call, _companies(call))


def get_company(call: Call) -> Reply:
    """GET /company/companies/{id} (a soft-deleted company answers with deletedFlag)."""
    record = call.store.get("companies", call.ids["id"])
    return one_reply(None if record is None else public(record), call)


def list_statuses(call: Call) -> Reply:
    """GET /company/companies/statuses."""
    return list_reply(call, map(public, call.store.rows("company_statuses")))


def get_status(call: Call) -> Reply:
    """GET /company/companies/statuses/{id}."""
    record = call.store.get("company_statuses", call.ids["id"])
    return one_reply(None if record is None else public(record), call)


def list_configurations(call: Call) -> Reply:
    """GET /company/configurations (contract: configurations)."""
    return list_reply(call, map(public, call.store.rows("configurations")))


def count_configurations(call: Call) -> Reply:
    """GET /company/configurations/count."""
    return count_reply(call, map(public, call.store.rows("configurations")))


def get_configuration(call: Call) -> Reply:
    """GET /company/configurations/{id}."""
    record = call.store.get("configurations", call.ids["id"])
    return one_reply(None if record is None else public(record), call)
