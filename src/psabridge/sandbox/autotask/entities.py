"""The entities psabridge uses and their fields (reference 3.1-3.11)."""

from __future__ import annotations

from .schema import NOT_QUERYABLE as NQ
from .schema import PICKLIST as PICK
from .schema import READ_ONLY as RO
from .schema import REQUIRED as REQ
from .schema import Entity, f

ID = f("id", "long", RO)
COMPANIES = Entity(
    "Companies",
    (
        ID,
        f("companyName", "string", REQ, length=100),
        f("companyNumber", length=50),
        f("companyType", "short", REQ, PICK),
        f("ownerResourceID", "integer", REQ),
        f("phone", "string", REQ, length=25),
        f("isActive", "boolean"),
        f("parentCompanyID", "integer", ref="Companies"),
        f("webAddress", length=255),
        f("address1", length=128),
        f("city", length=30),
        f("postalCode", length=10),
        f("createDate", "datetime", RO),
        f("lastActivityDate", "datetime", RO),
        f("lastTrackedModifiedDateTime", "datetime", RO),
    ),
    has_udfs=True,
)
CONTRACTS = Entity(
    "Contracts",
    (
        ID,
        f("companyID", "integer", REQ, ref="Companies"),
        f("contractName", "string", REQ, length=100),
        f("contractNumber", length=50),
        f("contractType", "integer", REQ, PICK),
        f("contractPeriodType", "integer", PICK),
        f("status", "integer", REQ, PICK),
        f("startDate", "datetime", REQ),
        f("endDate", "datetime", REQ),
        f("timeReportingRequiresStartAndStopTimes", "short", REQ),
        f("description", length=2000),
        f("isDefaultContract", "boolean"),
        f("lastModifiedDateTime", "datetime", RO),
    ),
)
SERVICES = Entity(
    "Services",
    (
        ID,
        f("name", "string", REQ, length=150),
        f("description", length=400),
        f("invoiceDescription", length=1000),
        f("billingCodeID", "integer", REQ),
        f("periodType", "integer", REQ, PICK),
        f("unitPrice", "decimal", REQ),
        f("unitCost", "decimal"),
        f("isActive", "boolean"),
        f("createDate", "datetime", RO),
        f("lastModifiedDate", "datetime", RO),
    ),
)
CONTRACT_SERVICES = Entity(
    "ContractServices",
    (
        ID,
        f("contractID", "integer", REQ, ref="Contracts"),
        f("serviceID", "integer", REQ, ref="Services"),
        f("unitPrice", "decimal"),
        f("unitCost", "decimal"),
        f("adjustedPrice", "decimal"),
        f("internalCurrencyUnitPrice", "decimal", RO),
        f("internalCurrencyAdjustedPrice", "decimal", RO),
        f("invoiceDescription", length=1000),
        f("internalDescription", length=100),
        f("quoteItemID", "long"),
    ),
    parent="Contracts",
    child_segment="Services",
    parent_field="contractID",
)
ADJUSTMENTS = Entity(
    "ContractServiceAdjustments",
    (
        ID,
        f("contractID", "integer", ref="Contracts"),
        f("serviceID", "integer", ref="Services"),
        f("contractServiceID", "long", ref="ContractServices"),
        f("effectiveDate", "datetime", REQ),
        f("unitChange", "integer"),
        f("adjustedUnitPrice", "decimal"),
        f("adjustedUnitCost", "decimal"),
        f("allowRepeatService", "boolean"),
        f("quoteItemID", "long"),
    ),
    can_update=False,
    can_query=False,
    parent="Contracts",
    child_segment="ServiceAdjustments",
    parent_field="contractID",
)
UNITS = Entity(
    "ContractServiceUnits",
    (
        ID,
        f("contractID", "integer", RO, ref="Contracts"),
        f("contractServiceID", "long", RO, ref="ContractServices"),
        f("serviceID", "integer", RO, ref="Services"),
        f("startDate", "datetime", RO),
        f("endDate", "datetime", RO),
        f("units", "integer", RO),
        f("price", "decimal", RO),
        f("cost", "decimal", RO),
        f("internalCurrencyPrice", "decimal", RO),
        f("approveAndPostDate", "datetime", RO),
        f("organizationalLevelAssociationID", "integer", RO),
        f("vendorCompanyID", "integer", RO),
    ),
    can_create=False,
    can_update=False,
)
TICKETS = Entity(
    "Tickets",
    (
        ID,
        f("ticketNumber", "string", RO, length=50),
        f("title", "string", REQ, length=255),
        f("description", length=8000),
        f("resolution", length=32000),
        f("companyID", "integer", REQ, ref="Companies"),
        f("contactID", "integer"),
        f("configurationItemID", "integer", ref="ConfigurationItems"),
        f("contractID", "integer", ref="Contracts"),
        f("status", "integer", REQ, PICK),
        f("priority", "integer", REQ, PICK),
        f("queueID", "integer", PICK),
        f("issueType", "integer", PICK),
        f("subIssueType", "integer", PICK, parent="issueType"),
        f("source", "integer", PICK),
        f("ticketType", "integer", PICK),
        f("ticketCategory", "integer", PICK),
        f("assignedResourceID", "integer"),
        f("assignedResourceRoleID", "integer"),
        f("dueDateTime", "datetime"),
        f("estimatedHours", "decimal"),
        f("externalID", length=50),
        f("rmmAlertID", length=50),
        f("createDate", "datetime", RO),
        f("completedDate", "datetime", RO),
        f("lastActivityDate", "datetime", RO),
        f("creatorType", "integer", RO, NQ),
        f("lastActivityPersonType", "integer", RO, NQ),
    ),
    has_udfs=True,
)
TICKET_NOTES = Entity(
    "TicketNotes",
    (
        ID,
        f("ticketID", "long", REQ, ref="Tickets"),
        f("title", length=250),
        f("description", "string", REQ, length=32000),
        f("noteType", "integer", REQ, PICK),
        f("publish", "integer", REQ, PICK),
        f("createDateTime", "datetime", RO),
        f("lastActivityDate", "datetime", RO),
        f("creatorResourceID", "integer", RO),
    ),
    parent="Tickets",
    child_segment="Notes",
    parent_field="ticketID",
)
CONFIGURATION_ITEMS = Entity(
    "ConfigurationItems",
    (
        ID,
        f("companyID", "integer", REQ, ref="Companies"),
        f("productID", "integer", REQ),
        f("isActive", "boolean", REQ),
        f("configurationItemType", "integer", PICK),
        f("referenceTitle", length=200),
        f("referenceNumber", length=50),
        f("serialNumber", length=100),
        f("rmmDeviceAuditHostname", length=255),
        f("rmmDeviceAuditIPAddress", length=255),
        f("rmmDeviceAuditMacAddress", length=255),
        f("rmmDeviceAuditOperatingSystem", length=255),
        f("contractID", "integer", ref="Contracts"),
        f("installDate", "datetime"),
        f("createDate", "datetime", RO),
        f("lastModifiedTime", "datetime", RO),
    ),
    has_udfs=True,
)
ENTITIES = {
    e.name: e
    for e in (
        COMPANIES,
        CONTRACTS,
        SERVICES,
        CONTRACT_SERVICES,
        ADJUSTMENTS,
        UNITS,
        TICKETS,
        TICKET_NOTES,
        CONFIGURATION_ITEMS,
    )
}
