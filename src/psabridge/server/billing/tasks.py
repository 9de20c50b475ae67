"""Background task of billing: collect every mapped company's usage every 4 hours (R4.4)."""

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
def collect_usage_now() -> None:
    """Collect the running month on demand."""
    try:
        collection.collect(collection.current_month())
    except ConnectorError as exc:
        log.warning("usage collection failed: %s", exc)


@db_periodic_task(crontab(minute="20"))
def push_due_month() -> None:
    """Hourly: on the 2nd the first run pushes last month, later runs find nothing to change."""
    from django.utils import timezone

    from psabridge.server.billing import push

    try:
        push.push_if_due(timezone.now())
    except ConnectorError as exc:
        log.warning("billing push failed, retried next hour: %s", exc)


@db_task()
def recalculate(month: str) -> None:
    """R3.4: collect a month again and push it (the Recalculate usage button)."""
    from psabridge.domain.usage import Month
    from psabridge.server.billing import push
    from psabridge.server.mappings.services import psa_system

    system = psa_system()
    if system is None:
        return
    try:
        collection.collect(Month.parse(month), billing_only=True)
        push.push(system, Month.parse(month))
    except ConnectorError as exc:
        log.warning("recalculation of %s failed: %s", month, exc)
