"""HaloBilling: our BillingTarget port on HaloPSA recurring invoices (reference halopsa.md §6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, NotFoundError, TransientError
from psabridge.connectors.halopsa import lines, models, options
from psabridge.connectors.halopsa.client import BATCH_MAX, HaloClient
from psabridge.connectors.halopsa.lines import number
from psabridge.connectors.halopsa.paging import DEFAULT_MAX_PAGES, read_all
from psabridge.connectors.halopsa.validation import validate_credentials
from psabridge.connectors.ports import Option, ValidationResult
from psabridge.connectors.ports_billing import (
    BillingInvoice,
    InvoiceChanges,
    InvoiceWrite,
    LineChange,
    UsageLine,
)

CLIENT_IDS_MAX = 100  # client ids per `GET /RecurringInvoice?client_ids=` (URL length)


class HaloBilling:
    """The BillingTarget port for one HaloPSA API application (shares a HaloClient)."""

    write_batch_size = BATCH_MAX

    def __init__(self, client: HaloClient, *, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.client = client
        self._max_pages = max_pages

    @classmethod
    def connect(
        cls,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        auth_url: str | None = None,
        tenant: str | None = None,
        **http_options: Any,
    ) -> HaloBilling:
        """Return a billing target with its own client; `http_options` go to the HttpClient."""
        client = HaloClient.connect(
            base_url, client_id, client_secret, auth_url=auth_url, tenant=tenant, **http_options
        )
        return cls(client)

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Test the credentials and permissions (never raises)."""
        return validate_credentials(self.client)

    # --- reads ------------------------------------------------------------------------------------

    def companies(self) -> list[Option]:
        """Return every HaloPSA client, inactive ones included (extra: inactive, main_site_id)."""
        clients = read_all(lambda n: self.client.clients(page_no=n), "client", self._max_pages)
        return options.client_options(clients)

    def billable_items(self) -> list[Option]:
        """Return every item, inactive ones included (a deleted item is simply not listed)."""
        items = read_all(
            lambda n: self.client.items(page_no=n, include_inactive=True), "item", self._max_pages
        )
        return [_item_option(item) for item in items]

    def recurring_invoices(self, company_id: str) -> list[BillingInvoice]:
        """Return a client's recurring invoices, without their lines."""
        client_id = number("client id", company_id)
        invoices = read_all(
            lambda n: self.client.recurring_invoices(client_id=client_id, page_no=n),
            "recurring invoice",
            self._max_pages,
        )
        return [_invoice(invoice, with_lines=False) for invoice in invoices]

    def find_invoice(self, company_id: str, name: str) -> BillingInvoice | None:
        """Return the client's oldest recurring invoice named `name` (case and spaces ignored)."""
        wanted = name.strip().casefold()
        found = [i for i in self.recurring_invoices(company_id) if _same(i.name, wanted)]
        return min(found, key=lambda invoice: int(invoice.id)) if found else None

    def usage_lines(self, invoice_id: str) -> list[UsageLine]:
        """Return every line of one recurring invoice (ours carry their marker)."""
        invoice = self.client.recurring_invoice(number("recurring invoice id", invoice_id))
        return list(lines.usage_lines(invoice))

    def invoices_with_lines(self, company_ids: Iterable[str]) -> list[BillingInvoice]:
        """Return the recurring invoices of many clients with their lines (100 clients a call)."""
        return [_invoice(i, with_lines=True) for i in self._read_with_lines(company_ids)]

    def _read_with_lines(self, company_ids: Iterable[str]) -> list[models.RecurringInvoice]:
        # Reference: halopsa.md §6.2 (client_ids comma list, includelines)
        wanted = sorted({number("client id", c) for c in company_ids})
        found: list[models.RecurringInvoice] = []
        for start in range(0, len(wanted), CLIENT_IDS_MAX):
            found.extend(self._read_clients(wanted[start : start + CLIENT_IDS_MAX]))
        # A tenant that ignores includelines: read those invoices one by one.
        return [i if i.lines is not None else self.client.recurring_invoice(i.id) for i in found]

    def _read_clients(self, client_ids: list[int]) -> list[models.RecurringInvoice]:
        def fetch(page_no: int) -> Any:
            return self.client.recurring_invoices(
                client_ids=client_ids, include_lines=True, page_no=page_no
            )

        return read_all(fetch, "recurring invoice", self._max_pages)

    # --- the invoice (R3.2) -----------------------------------------------------------------------

    def find_or_create_invoice(self, company_id: str, name: str) -> BillingInvoice:
        """Return the client's invoice named `name`; create it once when there is none (R3.2).

        The create is never re-sent blindly: after an ambiguous failure (timeout, reset, 5xx)
        the invoice is looked up again, and only if it is still missing is it created again.
        """
        found = self.find_invoice(company_id, name)
        if found is not None:
            return found
        header = {"client_id": number("client id", company_id), "name": name}
        try:
            created = self.client.create_recurring_invoice(header)
        except TransientError as exc:
            if not exc.ambiguous:
                raise
            found = self.find_invoice(company_id, name)
            if found is not None:
                return found
            created = self.client.create_recurring_invoice(header)
        return _invoice(created, with_lines=True)

    # --- writes (R3.3, R3.6, R3.8) ---------------------------------------------------------------

    def apply_line_changes(self, invoice_id: str, changes: Sequence[LineChange]) -> InvoiceWrite:
        """Apply changes to one invoice: read it, merge, POST every line back (one write at most).

        Lines the changes do not address (foreign lines, our other lines) are sent back as
        read, so nothing is dropped; with nothing to change nothing is written. After an
        ambiguous failure the invoice is read again and the merge redone (creates are found by
        their marker) before a second and last attempt.
        """
        lines.check_changes(changes)
        invoice = self.client.recurring_invoice(number("recurring invoice id", invoice_id))
        return self._write_one(invoice, changes)

    def _write_one(
        self, invoice: models.RecurringInvoice, changes: Sequence[LineChange], sent: bool = False
    ) -> InvoiceWrite:
        current = [line.wire() for line in invoice.lines or []]
        merged = lines.merge(current, changes)
        if merged == current:
            return InvoiceWrite(str(invoice.id), lines.usage_lines(invoice), written=sent)
        payload = {"id": invoice.id, "lines": merged}
        idempotent = not lines.creates_lines(merged)  # then HttpClient retries by itself
        try:
            answer = self.client.save_recurring_invoices([payload], idempotent=idempotent)
        except TransientError as exc:
            if not exc.ambiguous or sent or idempotent:
                raise
            fresh = self.client.recurring_invoice(invoice.id)
            return self._write_one(fresh, changes, sent=True)
        saved = self._saved(invoice.id, answer, merged)
        return InvoiceWrite(str(invoice.id), lines.usage_lines(saved), written=True)

    def _saved(
        self, invoice_id: int, answer: list[models.RecurringInvoice], sent: list[lines.Wire]
    ) -> models.RecurringInvoice:
        """Return the invoice as saved (from the answer, else read back) after checking it."""
        saved = next((i for i in answer if i.id == invoice_id and i.lines is not None), None)
        if saved is None:
            saved = self.client.recurring_invoice(invoice_id)
        lines.verify(saved.lines or [], sent, invoice_id)
        return saved

    def apply_invoice_changes(self, batch: Sequence[InvoiceChanges]) -> list[InvoiceWrite]:
        """Apply the changes of many invoices: bulk reads, then one POST per 100 changed ones.

        Reads: one `GET /RecurringInvoice` per 100 clients (paged). Writes: only the invoices
        whose lines change, `write_batch_size` per POST, so ceil(changed / 100) calls. A failure
        of one invoice (400, gone) is reported on its InvoiceWrite; the others of its POST are
        then written one by one (re-read and merged, so nothing is doubled). Auth, permission,
        rate-limit and transport failures are raised for the whole call.
        """
        ids = [item.invoice_id for item in batch]
        if len(set(ids)) != len(ids):
            raise ConfigError("A recurring invoice appears twice in one batch write")
        for item in batch:
            lines.check_changes(item.changes)
        read = {str(i.id): i for i in self._read_with_lines(c.company_id for c in batch)}
        results: dict[str, InvoiceWrite] = {}
        pending: list[tuple[InvoiceChanges, list[lines.Wire]]] = []
        for item in batch:
            planned = _plan(item, read.get(_key(item)))
            if isinstance(planned, InvoiceWrite):
                results[item.invoice_id] = planned
            else:
                pending.append((item, planned))
        size = self.write_batch_size
        for start in range(0, len(pending), size):
            results.update(self._post_chunk(pending[start : start + size], read))
        return [results[item.invoice_id] for item in batch]

    def _post_chunk(
        self,
        pending: list[tuple[InvoiceChanges, list[lines.Wire]]],
        read: dict[str, models.RecurringInvoice],
    ) -> dict[str, InvoiceWrite]:
        payload = [{"id": read[_key(item)].id, "lines": merged} for item, merged in pending]
        idempotent = not any(lines.creates_lines(merged) for _, merged in pending)
        try:
            answer = self.client.save_recurring_invoices(payload, idempotent=idempotent)
        except TransientError as exc:
            if not exc.ambiguous or idempotent:
                raise
            return self._one_by_one(pending)
        except ConfigError:  # a 400 for one invoice: earlier ones of the POST may be written
            return self._one_by_one(pending)
        answered = [i for i in answer if i.lines is not None]
        if len(answered) < len(pending):  # returnall ignored: read the batch back in bulk
            answered += self._read_with_lines(item.company_id for item, _ in pending)
        results: dict[str, InvoiceWrite] = {}
        for item, merged in pending:
            saved = self._saved(read[_key(item)].id, answered, merged)
            results[item.invoice_id] = InvoiceWrite(
                item.invoice_id, lines.usage_lines(saved), written=True
            )
        return results

    def _one_by_one(
        self, pending: list[tuple[InvoiceChanges, list[lines.Wire]]]
    ) -> dict[str, InvoiceWrite]:
        results: dict[str, InvoiceWrite] = {}
        for item, _ in pending:
            try:
                write = self.apply_line_changes(item.invoice_id, item.changes)
            except ConfigError as exc:  # NotFoundError included
                results[item.invoice_id] = InvoiceWrite(item.invoice_id, (), False, exc)
                continue
            # The batch POST may have landed: it counts as a write either way.
            results[item.invoice_id] = InvoiceWrite(item.invoice_id, write.lines, written=True)
        return results

    # --- one line at a time (the older port methods) --------------------------------------------

    def write_usage_line(self, line: UsageLine) -> UsageLine:
        """Update the line `line.line_id`, or create it by `line.marker`; return it as saved."""
        if line.invoice_id is None:
            raise ConfigError("A usage line to write needs its recurring invoice id")
        if line.line_id is not None:
            change = LineChange.update(
                line_id=line.line_id,
                marker=line.marker,
                quantity=line.quantity,
                item_id=line.item_id or None,
            )
        elif line.marker and line.item_id:
            change = LineChange.create(line.item_id, line.quantity, line.marker)
        else:
            raise ConfigError("A new usage line needs an item and our marker")
        write = self.apply_line_changes(line.invoice_id, [change])
        for saved in write.lines:
            if saved.line_id == line.line_id or (line.marker and saved.marker == line.marker):
                return saved
        raise ConfigError("HaloPSA did not keep the usage line written")

    def remove_usage_line(self, invoice_id: str, line_id: str) -> None:
        """Remove one line (nothing happens when it is already gone)."""
        self.apply_line_changes(invoice_id, [LineChange.remove(line_id=line_id)])


def _plan(
    item: InvoiceChanges, invoice: models.RecurringInvoice | None
) -> InvoiceWrite | list[lines.Wire]:
    """Return the lines to send for one invoice of a batch, or its result when none are."""
    if invoice is None:
        missing = NotFoundError(f"HaloPSA RecurringInvoice {item.invoice_id} does not exist")
        return InvoiceWrite(item.invoice_id, (), False, missing)
    current = [line.wire() for line in invoice.lines or []]
    try:
        merged = lines.merge(current, item.changes)
    except ConfigError as exc:
        return InvoiceWrite(item.invoice_id, (), False, exc)
    if merged == current:
        return InvoiceWrite(item.invoice_id, lines.usage_lines(invoice), written=False)
    return merged


def _key(item: InvoiceChanges) -> str:
    return str(number("recurring invoice id", item.invoice_id))


def _same(name: str, wanted: str) -> bool:
    return name.strip().casefold() == wanted


def _invoice(invoice: models.RecurringInvoice, *, with_lines: bool) -> BillingInvoice:
    return BillingInvoice(
        id=str(invoice.id),
        company_id="" if invoice.client_id is None else str(invoice.client_id),
        name=invoice.name or "",
        disabled=invoice.disabled,
        lines=lines.usage_lines(invoice) if with_lines and invoice.lines is not None else None,
    )


def _item_option(item: models.Item) -> Option:
    # Reference: halopsa.md §6.1 (internalreference/externalreference: the natural keys)
    extra = {
        "code": item.internalreference or "",
        "external_reference": item.externalreference or "",
        "price": item.recurringprice,
        "cost": item.recurringcost,
        "recurring": item.isrecurringitem,
        "inactive": item.inactive,
    }
    return Option(str(item.id), item.name, extra)
