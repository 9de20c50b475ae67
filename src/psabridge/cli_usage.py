"""The `psabridge usage` commands: collect a month from GravityZone, show what was counted."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from psabridge import launcher

usage_app = typer.Typer(help="GravityZone usage: each company's monthly count and its evidence.")


def _month(command: str, month: str) -> Any:
    launcher.django_setup()
    from psabridge.domain.usage import Month
    from psabridge.server.billing import collection

    try:
        return Month.parse(month) if month else collection.current_month()
    except ValueError as exc:
        print(f"psabridge usage {command}: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


@usage_app.command("collect")
def usage_collect(
    month: str = typer.Option("", help="YYYY-MM (default: the running month)."),
) -> None:
    """Collect each mapped company's monthly usage and endpoint evidence, with a progress bar.

    A month that has ended is read once more and then final: collecting it again changes
    nothing and makes no GravityZone call.
    """
    target = _month("collect", month)
    from rich.progress import Progress

    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import collection

    with Progress(transient=True) as bar:
        task = bar.add_task(f"usage {target}", total=len(collection.companies_to_collect()) or 1)

        def advance(name: str, done: int, total: int) -> None:
            bar.update(
                task, completed=done, total=total, description=f"usage {target}: {name[:30]}"
            )

        try:
            result = collection.collect(target, progress=advance)
        except collection.MonthNotStartedError as exc:
            print(f"psabridge usage collect: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        except ConnectorError as exc:
            print(f"psabridge usage collect: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None
    _print_quantities(target)
    print(_summary(result))
    raise typer.Exit(1 if result.failed else 0)


def _summary(result: Any) -> str:
    final = result.finalized + result.already_final
    parts = [
        f"{result.companies} companies read for {result.month}",
        f"{result.failed} failed",
        f"{result.endpoints} endpoints examined",
    ]
    if final:
        parts.append(
            f"{final} final ({result.already_final} already final: not read again, unchanged)"
        )
    return ", ".join(parts)


def _print_quantities(month: Any) -> None:
    from psabridge.server.billing.models import UsageSnapshot

    for snapshot in UsageSnapshot.objects.filter(month=str(month)).order_by("company_name"):
        print(f"{snapshot.company_name}: {_quantities_text(snapshot)}")


def _quantities_text(snapshot: Any) -> str:
    state = "final" if snapshot.final else "in progress"
    if snapshot.not_billed_reason:
        return f"not billed ({snapshot.not_billed_reason}); {state}"
    lines = ", ".join(f"{ln['description']} {ln['quantity']}" for ln in snapshot.lines)
    return f"{lines or 'nothing billable'}; {state}"


@usage_app.command("show")
def usage_show(
    month: str = typer.Option("", help="YYYY-MM (default: the running month)."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object a line: company, quantities, final, evidence."
    ),
) -> None:
    """Show each company's counted month: quantities, final or not, evidence, change and why."""
    target = _month("show", month)
    from psabridge.server.billing.usage_report import month_report

    report = month_report(target)
    if not report:
        print(f"psabridge usage show: no usage collected for {target} yet", file=sys.stderr)
        raise typer.Exit(1)
    for row in report:
        if as_json:
            print(json.dumps(row.as_json(), sort_keys=True))
        else:
            _print_row(row)


def _print_row(row: Any) -> None:
    snapshot = row.snapshot
    print(f"{snapshot.company_name} ({snapshot.company_id}), {snapshot.month}:")
    print(f"  {_quantities_text(snapshot)}")
    print(
        f"  evidence: {row.tally.counted} seen connecting, {row.tally.unknown} not checked"
        + (f" (partial: {snapshot.evidence_note})" if snapshot.evidence_note else "")
    )
    print(f"  change: {row.change.text}")
    if row.disagreement:
        print(f"  ! {row.disagreement.text} {', '.join(r.name for r in row.disagreement.check)}")
