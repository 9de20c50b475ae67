"""R4.2: the service ticket of a company without an Active agreement, once a month."""

from __future__ import annotations

from collections.abc import Callable

from psabridge.connectors.errors import ConnectorError, TransientError
from psabridge.connectors.ports_agreements import AgreementBilling
from psabridge.domain import agreements as rules
from psabridge.domain.psa_billing import ServiceTicket
from psabridge.domain.usage import Month
from psabridge.server.billing import ledger
from psabridge.server.billing.models import BillingRun, CwBillingSettings, CwServiceTicket
from psabridge.server.billing.periods.plan import CompanyPlan


class ServiceTickets:
    """At most one service ticket per company and month; priorities read once a sync."""

    def __init__(
        self,
        target: AgreementBilling,
        settings: CwBillingSettings,
        month: Month,
        problem: Callable[[str], None],
    ) -> None:
        self.target, self.settings, self.month, self.problem = target, settings, month, problem
        self._priority: tuple[str | None, bool] | None = None
        self.opened = 0

    def priority(self) -> str | None:
        """Return the chosen priority, or the PSA's default when it is gone (R4.2)."""
        if self._priority is None:
            rows = [(p.id, bool(p.extra.get("default"))) for p in self.target.priorities()]
            self._priority = rules.pick_priority(self.settings.service_priority_id, rows)
            if self._priority[1]:
                self.problem(
                    f"the service-ticket priority {self.settings.service_priority_name!r} no "
                    "longer exists: the PSA's default priority was used"
                )
        return self._priority[0]

    def open(self, run: BillingRun, plan: CompanyPlan) -> None:
        """Find the month's ticket by its reference, or open it; the ledger records it first."""
        company_id = plan.mapping.psa_client_id
        reference = rules.ticket_reference(company_id, self.month)
        write = ledger.Write(
            plan.mapping.company_id,
            plan.mapping.psa_client_name,
            plan.agreement_id,
            "ticket",
            marker=reference,
            description=f"service ticket: no Active {self.settings.agreement_type_name} agreement",
        )
        entry = ledger.intent(run, write)
        try:
            ticket_id, opened = self._find_or_create(reference, company_id)
        except ConnectorError as exc:
            ledger.settle_failure([entry], exc)
            raise
        CwServiceTicket.objects.get_or_create(
            mapping=plan.mapping,
            month=str(self.month),
            defaults={"reference": reference, "ticket_id": str(ticket_id)},
        )
        if opened:
            self.opened += 1
            ledger.complete(entry, f"ticket {ticket_id} opened")
        else:
            ledger.complete(entry, f"ticket {ticket_id} already open", ledger.NO_WRITE)

    def _find_or_create(self, reference: str, company_id: str) -> tuple[str, bool]:
        found = self.target.find_service_ticket(reference)
        if found is not None:
            return str(found), False
        ticket = ServiceTicket(
            reference=reference,
            company_id=company_id,
            board_id=self.settings.service_board_id,
            priority_id=self.priority(),
            summary=f"No active {self.settings.agreement_type_name} agreement for billing"[:100],
            details=(
                f"psabridge bills Bitdefender GravityZone usage of {self.month.label()} on an "
                f"agreement of type {self.settings.agreement_type_name!r}, but this company has "
                "no Active agreement of that type. Add one so that its usage is billed."
            ),
        )
        try:
            return str(self.target.create_service_ticket(ticket)), True
        except TransientError:  # ambiguous: it may exist; look before anything else
            found = self.target.find_service_ticket(reference)
            if found is None:
                raise
            return str(found), True
