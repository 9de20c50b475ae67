"""Contract service units as month records: what a month's units are, read from unit rows."""

# Autotask keeps no per-month record of its own (reference autotask.md §3.5, §3.6): units are
# changed by create-only adjustments and read back from ContractServiceUnits rows, one per
# billing period, split at each adjustment. The server's period billing reads "the month's
# record" of a contract and product; this module presents the rows of one contract service as
# one record per calendar month: its quantity is the units in force on the month's first
# covered day, its id names the service and that day ("<serviceID>/<YYYY-MM-DD>").

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from psabridge.connectors.autotask.models import ContractServiceUnit
from psabridge.connectors.errors import ConfigError
from psabridge.domain.psa_billing import Addition


@dataclass(frozen=True)
class MonthKey:
    """What a month record's id names: the Service and the day its units are read on."""

    service_id: int
    day: date

    @property
    def text(self) -> str:
        return f"{self.service_id}/{self.day.isoformat()}"

    @classmethod
    def parse(cls, value: str) -> MonthKey:
        """Return the key of a month record id, or raise ConfigError."""
        service, _, day = value.partition("/")
        try:
            return cls(int(service), date.fromisoformat(day))
        except ValueError:
            raise ConfigError(f"Not an Autotask service units id: {value!r}") from None


def _month_spans(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Yield the (first, last) days of `start`..`end` within each calendar month."""
    day = start
    while day <= end:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = min(end, following - timedelta(days=1))
        yield day, last
        day = following


def units_on(rows: Iterable[ContractServiceUnit], day: date) -> int | None:
    """Return the units in force on `day` (None: no row covers it)."""
    for row in rows:
        if row.start_date and row.end_date and row.start_date <= day <= row.end_date:
            return row.units
    return None


def month_records(
    rows: Iterable[ContractServiceUnit], contract_id: int, service_id: int
) -> list[Addition]:
    """Return one record per calendar month the rows cover, in date order."""
    months: dict[date, list[tuple[date, date, ContractServiceUnit]]] = {}
    for row in rows:
        if row.start_date is None or row.end_date is None:
            continue
        for first, last in _month_spans(row.start_date, row.end_date):
            months.setdefault(first.replace(day=1), []).append((first, last, row))
    return [
        _record(sorted(spans, key=lambda s: s[0]), contract_id, service_id)
        for _, spans in sorted(months.items())
    ]


def _record(
    spans: list[tuple[date, date, ContractServiceUnit]], contract_id: int, service_id: int
) -> Addition:
    first, _, row = spans[0]
    last = max(span[1] for span in spans)
    posted = all(span[2].approve_and_post_date is not None for span in spans)
    return Addition(
        id=MonthKey(service_id, first).text,
        agreement_id=str(contract_id),
        product_id=str(service_id),
        quantity=float(row.units),
        effective=first,
        cancelled=last,
        description=f"{row.units} units from {first:%Y-%m-%d}",
        status="Posted" if posted else None,
    )
