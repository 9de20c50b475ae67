"""Each entity's own write rules: defaults, read-only stamps and business checks (ref 3)."""

from __future__ import annotations

from datetime import timedelta

from . import contracts
from .config import COMPLETE, MONTHLY, default_code
from .entities import TICKETS
from .errors import required
from .store import Call, Record
from .values import at_time, parse_time
from .writes import Rules, picklist_errors

ASSIGNMENT = (
    "When assigning a Resource, you must assign both a assignedResourceID and "
    "assignedResourceRoleID."
)  # ISS WYRE-AI/msp-claude-plugins#32
TICKET_DEFAULTS = ("queueID", "source", "ticketType", "ticketCategory")  # open question 11


def _stamp(call: Call, record: Record, old: Record | None, created: str, *changed: str) -> None:
    now = at_time(call.now)
    if old is None:
        record[created] = now
    for name in changed:
        record[name] = now


def prepare_company(call: Call, record: Record, old: Record | None) -> list[str]:
    """Default `isActive` to true; stamp the dates."""
    if record.get("isActive") is None:
        record["isActive"] = True
    _stamp(call, record, old, "createDate", "lastActivityDate", "lastTrackedModifiedDateTime")
    return []


def prepare_contract(call: Call, record: Record, old: Record | None) -> list[str]:
    """Default the monthly period; refuse an end before the start."""
    if record.get("contractPeriodType") is None:
        record["contractPeriodType"] = MONTHLY
    record["lastModifiedDateTime"] = at_time(call.now)
    start, end = parse_time(record.get("startDate")), parse_time(record.get("endDate"))
    if start and end and end < start:
        return ["The contract's endDate must not be before its startDate . "]
    return []


def prepare_service(call: Call, record: Record, old: Record | None) -> list[str]:
    """Default `isActive` to true; stamp the dates."""
    if record.get("isActive") is None:
        record["isActive"] = True
    _stamp(call, record, old, "createDate", "lastModifiedDate")
    return []


def prepare_ticket(call: Call, record: Record, old: Record | None) -> list[str]:
    """Apply the create defaults (oq 11), the assignment pair rule and the completed date."""
    errors: list[str] = []
    if old is None:
        errors += _ticket_defaults(call, record)
    if (record.get("assignedResourceID") is None) != (record.get("assignedResourceRoleID") is None):
        errors.append(ASSIGNMENT)
    if old is not None and record.get("issueType") != old.get("issueType"):
        errors += _sub_issue_errors(call, record)  # a kept subIssueType must fit the new parent
    was_complete = old is not None and old.get("status") == COMPLETE
    if record.get("status") == COMPLETE and not was_complete:
        record["completedDate"] = at_time(call.now)
    elif record.get("status") != COMPLETE:
        record["completedDate"] = None
    record["lastActivityDate"] = at_time(call.now)
    return errors


def _sub_issue_errors(call: Call, record: Record) -> list[str]:
    sub = TICKETS.field("subIssueType")
    if sub is None or record.get("subIssueType") is None:
        return []
    return picklist_errors(call.store, TICKETS, sub, record)


def _ticket_defaults(call: Call, record: Record) -> list[str]:
    store = call.store
    if record.get("queueID") is None and store.require_queue:
        return [required("queueID")]
    for name in TICKET_DEFAULTS:
        if record.get(name) is None:
            record[name] = default_code(store, "Tickets", name)
    if record.get("dueDateTime") is None:
        record["dueDateTime"] = at_time(call.now + timedelta(days=1))
    record["createDate"] = at_time(call.now)
    record["creatorType"] = 1
    record["lastActivityPersonType"] = 1
    record["ticketNumber"] = _ticket_number(call)
    return []


def _ticket_number(call: Call) -> str:
    """Return the next `T<yyyymmdd>.<nnnn>` of the day (reference 3.8)."""
    day = call.now.strftime("%Y%m%d")
    taken = sum(1 for t in call.store.tables["Tickets"].values() if t["ticketNumber"][1:9] == day)
    return f"T{day}.{taken + 1:04d}"


def prepare_note(call: Call, record: Record, old: Record | None) -> list[str]:
    """Stamp a note and touch its ticket's `lastActivityDate`."""
    now = at_time(call.now)
    if old is None:
        record["createDateTime"] = now
        record["creatorResourceID"] = call.store.scenario.get("api_resource_id")
    record["lastActivityDate"] = now
    return []


def commit_note(call: Call, record: Record) -> None:
    """Touch the note's ticket's `lastActivityDate`."""
    ticket = call.store.get("Tickets", record["ticketID"])
    if ticket is not None:
        ticket["lastActivityDate"] = record["lastActivityDate"]


def prepare_item(call: Call, record: Record, old: Record | None) -> list[str]:
    """Keep `companyID` on update (it cannot be changed, H:CI); stamp the dates."""
    if old is not None:
        record["companyID"] = old["companyID"]
    _stamp(call, record, old, "createDate", "lastModifiedTime")
    return []


RULES: dict[str, Rules] = {
    "Companies": Rules(prepare_company),
    "Contracts": Rules(prepare_contract, contracts.commit_contract),
    "Services": Rules(prepare_service),
    "ContractServices": Rules(contracts.prepare_service, contracts.commit_service),
    "Tickets": Rules(prepare_ticket),
    "TicketNotes": Rules(prepare_note, commit_note),
    "ConfigurationItems": Rules(prepare_item),
}
