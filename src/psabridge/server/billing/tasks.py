"""Billing tasks: usage every 4 h, the monthly invoice push, the 4-hourly agreement sync."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from psabridge.connectors.errors import ConnectorError
from psabridge.server.billing import collection

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="15", hour="*/4"))
def collect_usage() -> None:
    """Collect the running month, and last month while its bill can still change."""
    month = collection.current_month()
    try:
        for target in (month.previous(), month):
            result = collection.collect(target)
            log.info(
                "usage %s: %s companies, %s failed", result.month, result.companies, result.failed
            )
    except ConnectorError as exc:
        log.warning("usage collection skipped: %s", exc)


@db_task()
def collect_usage_now(month: str | None = None) -> None:
    """Collect a month (default: the running one) on demand."""
    from psabridge.domain.usage import Month

    target = Month.parse(month) if month else collection.current_month()
    try:
        collection.collect(target)
    except (ConnectorError, collection.MonthNotStartedError) as exc:
        log.warning("usage collection of %s failed: %s", target, exc)


@db_periodic_task(crontab(minute="20"))
def push_due_month() -> None:
    """Hourly: on the 2nd the first run pushes last month, later runs find nothing to change."""
    from django.utils import timezone

    from psabridge.server.billing import push

    try:
        push.push_if_due(timezone.now())
    except ConnectorError as exc:
        log.warning("billing push failed, retried next hour: %s", exc)


def _period_billing_ready() -> bool:
    from psabridge.server.billing.periods import setup as period_setup
    from psabridge.server.core import systems
    from psabridge.server.mappings.services import psa_system

    system = psa_system()
    by_periods = bool(system) and systems.psa(str(system)).billing_style == "period_quantities"
    return by_periods and period_setup.load().is_configured


@db_periodic_task(crontab(minute="30", hour="*/4"))
def period_billing_sync() -> None:
    """R4.4: every 4 hours, collect and sync the running month (and last month on the 1st-2nd)."""
    from psabridge.server.billing.periods import sync as period_sync

    if not _period_billing_ready():
        return
    try:
        # collect_usage ran at minute 15 of the same hours: write what it collected.
        for result in period_sync.sync_due(collect=False):
            log.info("agreement billing %s: %s writes", result.month, result.writes)
    except ConnectorError as exc:
        log.warning("agreement billing sync stopped, resumed in 4 hours: %s", exc)


@db_task()
def period_billing_sync_now(month: str | None = None) -> None:
    """Collect a month's usage (default: the months due) and sync it (the page's button)."""
    from psabridge.domain.usage import Month
    from psabridge.server.billing.periods import sync as period_sync

    if not _period_billing_ready():
        return
    try:
        if month is None:
            period_sync.sync_due()
        else:
            collection.collect(Month.parse(month), billing_only=True)
            period_sync.sync(Month.parse(month))
    except ConnectorError as exc:
        log.warning("agreement billing sync stopped: %s", exc)
