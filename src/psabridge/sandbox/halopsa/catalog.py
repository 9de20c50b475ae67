"""The scenario's fixed Halo configuration: statuses, SLAs, ticket types, outcomes, agents."""

from __future__ import annotations

import uuid
from typing import Any

from .store import HaloStore, Record

IMPACT_LOOKUP, URGENCY_LOOKUP = 12, 27  # reference 3.4 (STELLAR constants)
CLOSED_STATUS_IDS = (9, 21)
# (id, name): reference 3.3's observed default ids; 9 Closed and 21 Rejected are closed.
STATUSES = (
    (1, "New"), (2, "In Progress"), (3, "Pending"), (4, "On Hold"), (5, "Waiting on Client"),
    (8, "Resolved"), (9, "Closed"), (21, "Rejected"),
)  # fmt: skip
# (priorityid, name, response hours, fix hours); a Policy is (slaid, priorityid) (reference 3.4).
PRIORITIES = ((1, "Critical", 1, 4), (2, "High", 2, 8), (3, "Medium", 4, 24), (4, "Low", 8, 72))
SLAS = ((1, "Standard SLA", (1, 2, 3, 4)), (2, "Security SLA", (1, 2, 3)))
TEAMS = (
    (1, "Service Desk", False),
    (2, "Security Operations", False),
    (3, "Projects", False),
    (4, "Legacy Support", True),
)
# (id, value, ticket type ids where allowed; () = every type)
CATEGORIES = (
    (1, "Security", ()),
    (2, "Malware", (2,)),
    (3, "Phishing", (2,)),
    (4, "Network", ()),
    (5, "Hardware", (1, 3)),
    (6, "Software", (1, 3)),
)
LOOKUPS = (
    (IMPACT_LOOKUP, 1, "Company Wide"), (IMPACT_LOOKUP, 2, "Multiple Users Affected"),
    (IMPACT_LOOKUP, 3, "Single User Affected"), (URGENCY_LOOKUP, 1, "High"),
    (URGENCY_LOOKUP, 2, "Medium"), (URGENCY_LOOKUP, 3, "Low"),
)  # fmt: skip
# (id, outcome, buttonname, newstatus (0 = none), hidefromuser, hidden); reference 5: CIPP's 7.
OUTCOMES = (
    (1, "Public Note", "Add Note", 0, False, False),
    (7, "Private Note", "Private Note", 0, True, False),
    (3, "Email User", "Email User", 0, False, False),
    (4, "Resolve", "Resolve", 8, False, False),
    (5, "Close", "Close Ticket", 9, False, False),
    (20, "System Update", "System Update", 0, True, True),
)
API_AGENT_ID = 1
AGENTS = (
    (1, "API Agent", True, "Service Desk"),
    (2, "Jamie Carter", False, "Service Desk"),
    (3, "Priya Shah", False, "Security Operations"),
)
FIELD_IDS = {
    "category_1": 17,
    "impact": 39,
    "urgency": 40,
    "sla_id": 8,
    "priority_id": 9,
    "team": 12,
}
ITEMS = (
    (1, "Bitdefender GravityZone Business Security", "GZ-BS", 4.5, 2.75),
    (2, "Bitdefender EDR add-on", "GZ-EDR", 2.0, 1.1),
    (3, "Bitdefender Patch Management", "GZ-PATCH", 1.5, 0.8),
    (4, "Managed Services - per device", "MS-DEVICE", 12.5, 0.0),
)


def guid(kind: str, key: object) -> str:
    """Return a stable uuid for a record (OAS24 `guid` fields)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"halopsa-sandbox/{kind}/{key}"))


def install(store: HaloStore) -> None:
    """Fill the configuration tables of a fresh store."""
    for record in _statuses():
        store.insert("statuses", record)
    for table, records in (
        ("slas", _slas()),
        ("teams", _teams()),
        ("categories", _categories()),
        ("lookups", _lookups()),
        ("outcomes", _outcomes()),
        ("agents", _agents()),
        ("tickettypes", _ticket_types()),
        ("items", _items()),
    ):
        for record in records:
            store.insert(table, record)


def _statuses() -> list[Record]:
    return [
        {
            "id": sid,
            "guid": guid("status", sid),
            "name": name,
            "shortname": name[:4].upper(),
            "type": 1,
            "sequence": index,
            "colour": "#4a90d9",
            "__closed": sid in CLOSED_STATUS_IDS,
        }
        for index, (sid, name) in enumerate(STATUSES, start=1)
    ]


def policy(sla_id: int, priority_id: int) -> Record:
    """Return the `Policy` row of a priority within an SLA (reference 3.4)."""
    _, name, response, fix = PRIORITIES[priority_id - 1]
    return {
        "id": guid("policy", f"{sla_id}-{priority_id}"),  # a uuid string (reference 3.4)
        "slaid": sla_id,
        "sla_guid": guid("sla", sla_id),
        "priorityid": priority_id,
        "name": name,
        "responsetime": float(response),
        "responseunits": "h",
        "fixtime": float(fix),
        "fixunits": "h",
        "colour": "#d9534f" if priority_id == 1 else "#5bc0de",
        "ishidden": False,
    }


def _slas() -> list[Record]:
    return [
        {
            "id": sla_id,
            "guid": guid("sla", sla_id),
            "name": name,
            "workday_id": 1,
            "trackslaresponsetime": True,
            "trackslafixbytime": True,
            "priorities": [policy(sla_id, p) for p in priorities],
        }
        for sla_id, name, priorities in SLAS
    ]


def _teams() -> list[Record]:
    return [
        {
            "id": tid,
            "guid": guid("team", tid),
            "name": name,
            "sequence": tid,
            "forrequests": True,
            "department_id": 1,
            "department_name": "Support",
            "inactive": inactive,
        }
        for tid, name, inactive in TEAMS
    ]


def _categories() -> list[Record]:
    return [
        {
            "id": cid,
            "guid": guid("category", cid),
            "value": value,
            "category_name": value,
            "type_id": 1,
            "sla_id": 0,
            "priority_id": 0,
            "__tickettypes": list(types),
        }
        for cid, value, types in CATEGORIES
    ]


def _lookups() -> list[Record]:
    # Lookup `id` is the value within its list, so ids repeat across lists; stored by a key.
    return [
        {
            "id": index,
            "__value": value,
            "lookupid": lookupid,
            "name": name,
            "sequence": value,
            "inactive": False,
        }
        for index, (lookupid, value, name) in enumerate(LOOKUPS, start=1)
    ]


def _outcomes() -> list[Record]:
    return [
        {
            "id": oid,
            "guid": guid("outcome", oid),
            "outcome": name,
            "buttonname": button,
            "sequence": index,
            "systemid": 0,
            "newstatus": newstatus,
            "hidefromuser": private,
            "hidden": hidden,
            "sendemail": 0,
            "chargerate": 0,
            "mustaddnote": True,
        }
        for index, (oid, name, button, newstatus, private, hidden) in enumerate(OUTCOMES)
    ]


def _agents() -> list[Record]:
    result = []
    for aid, name, is_api, team in AGENTS:
        first, _, last = name.partition(" ")
        team_id = next(t[0] for t in TEAMS if t[1] == team)
        result.append(
            {
                "id": aid,
                "name": name,
                "firstname": first,
                "surname": last,
                "email": f"{first.lower()}.{last.lower()}@bluewave-it.example",
                "team": team,
                "teams": [{"team_id": team_id, "team_name": team}],
                "isdisabled": False,
                "is_agent": True,
                "isapiagent": is_api,
            }
        )
    return result


def _field(name: str, technew: int) -> Record:
    """Return a `RequestTypeField`; technew 1 = mandatory on a new ticket (contract choice)."""
    return {
        "fieldid": FIELD_IDS[name],
        "fieldname": name,
        "technew": technew,
        "techdetail": 0,
        "endusernew": 0,
        "enduserdetail": 0,
        "visibility_conditions": [],
    }


def _ticket_type(tid: int, name: str, defaults: dict[str, Any], fields: list[Record]) -> Record:
    record: Record = {
        "id": tid,
        "guid": guid("tickettype", tid),
        "name": name,
        "use": "reqs",
        "workflow_id": 1,
        "initial_status": 1,
        "default_sla": 1,
        "default_priority": 3,
        "default_team": "Service Desk",
        "default_agent": 0,
        "default_category_1": None,
        "default_category_2": None,
        "default_impact": None,
        "allowall_status": True,
        "allowall_category1": False,
        "sladontclose": False,
        "reopenedstatus": 2,
        "hasmandatorytechfields": any(f["technew"] == 1 for f in fields),
        "hasmandatoryuserfields": False,
        "fields": fields,
        "inactive": False,
    }
    record.update(defaults)
    return record


def _ticket_types() -> list[Record]:
    incident = {"default_category_1": "Security", "default_impact": 3, "default_urgency": 2}
    security = {
        "default_sla": 2,
        "default_priority": 2,
        "default_team": "Security Operations",
        "default_category_1": "Malware",
    }
    mandatory = [_field("category_1", 1), _field("impact", 1), _field("urgency", 1)]
    return [
        _ticket_type(1, "Incident", incident, [_field("category_1", 1), _field("impact", 0)]),
        _ticket_type(2, "Security Alert", security, [*mandatory, _field("sla_id", 0)]),
        _ticket_type(3, "Service Request", {"default_priority": 4}, [_field("category_1", 0)]),
    ]


def _items() -> list[Record]:
    return [
        {
            "id": iid,
            "name": name,
            "description": name,
            "internalreference": code,
            "externalreference": code,
            "baseprice": price,
            "costprice": cost,
            "recurringprice": price,
            "recurringcost": cost,
            "isrecurringitem": True,
            "item_default_billing_period": 1,
            "update_recurring_invoice_price": False,
            "update_recurring_invoice_cost": False,
            "taxcode": 1,
            "nominalcode": "4000",
            "inactive": False,
        }
        for iid, name, code, price, cost in ITEMS
    ]
