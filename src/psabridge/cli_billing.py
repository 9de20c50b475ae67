"""The `psabridge billing` commands: preview and push a month, ConnectWise sync."""

from __future__ import annotations

import sys
from typing import Any

import typer

from psabridge import launcher

billing_app = typer.Typer(help="Monthly usage into PSA billing.")


def _billing_month(month: str) -> Any:
    launcher.django_setup()
    from psabridge.domain.usage import Month
    from psabridge.server.billing import collection

    try:
        return Month.parse(month) if month else collection.current_month().previous()
    except ValueError as exc:
        print(f"psabridge billing: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def _psa() -> str:
    from psabridge.server.mappings.services import psa_system

    system = psa_system()
    if system is None:
        print("psabridge billing: no PSA is connected", file=sys.stderr)
        raise typer.Exit(1)
    return system


@billing_app.command("preview")
def billing_preview(month: str = typer.Option("", help="YYYY-MM (default: last month).")) -> None:
    """Print every line a push of the month would create, update or remove."""
    target = _billing_month(month)
    from psabridge.server.billing import push

    for plan in push.preview(_psa(), target):
        print(f"{plan.mapping.psa_client_name} (invoice {plan.invoice_id or '-'}):")
        for problem in plan.problems:
            print(f"  ! {problem}")
        for line in plan.plan.creates:
            print(f"  create  item {line.item_id}  {line.quantity:g}  {line.description}")
        for update in plan.plan.updates:
            print(
                f"  update  item {update.after.item_id}  {update.before.quantity:g} -> "
                f"{update.after.quantity:g}  {update.after.description}"
            )
        for remove in plan.plan.removes:
            print(f"  remove  line {remove.line.line_id}  {remove.line.description}")
        for stale in plan.plan.stale:
            print(
                f"  stale   line {stale.line_id}  {stale.description} (kept; remove it explicitly)"
            )
        if plan.plan.is_noop and not plan.problems:
            print("  nothing to change")


@billing_app.command("push")
def billing_push(month: str = typer.Option("", help="YYYY-MM (default: last month).")) -> None:
    """Push the month's usage to the PSA invoices and write the ledger."""
    target = _billing_month(month)
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import push

    try:
        run = push.push(_psa(), target)
    except ConnectorError as exc:
        print(f"psabridge billing push: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"pushed {run.month}: {run.writes} line write(s), {run.entries.count()} ledger entries")
    for problem in run.problems:
        print(f"  ! {problem}")


@billing_app.command("cw-sync")
def billing_cw_sync(
    preview: bool = typer.Option(False, "--preview", help="Show the plan; write nothing."),
    month: str = typer.Option("", help="YYYY-MM (default: the running month)."),
    collect: bool = typer.Option(True, help="Collect the month's GravityZone usage first."),
) -> None:
    """ConnectWise PSA: write the month's usage into agreement additions (R4.4), or preview it."""
    launcher.django_setup()
    from psabridge.connectors.errors import ConnectorError
    from psabridge.domain.usage import Month
    from psabridge.server.billing import collection, cw_sync, cw_text

    try:
        target = Month.parse(month) if month else collection.current_month()
    except ValueError as exc:
        print(f"psabridge billing cw-sync: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    try:
        if collect:
            collection.collect(target, billing_only=True)
        result = cw_sync.sync(target, preview=preview)
    except ConnectorError as exc:
        print(f"psabridge billing cw-sync: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    for line in cw_text.describe(result):
        print(line)
    raise typer.Exit(0)
