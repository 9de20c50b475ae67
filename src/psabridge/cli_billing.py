"""The `psabridge billing` commands: show a month's exact writes, then push them once confirmed."""

from __future__ import annotations

import sys
from typing import Any

import typer

from psabridge import launcher

billing_app = typer.Typer(help="Monthly usage into PSA billing: preview, then push.")
YES_HELP = "Push without asking (scripts); the writes are still printed first."


def _fail(command: str, message: str, code: int) -> typer.Exit:
    print(f"psabridge billing {command}: {message}", file=sys.stderr)
    return typer.Exit(code)


def _setup(command: str) -> str:
    launcher.django_setup()
    from psabridge.server.mappings.services import psa_system

    system = psa_system()
    if system is None:
        raise _fail(command, "no PSA is connected", 1)
    return system


def _month(command: str, system: str, month: str) -> Any:
    """The month asked for, else the month to bill: the last finished one (HaloPSA invoices)
    or the running one (ConnectWise additions follow the running month, R4.4)."""
    from psabridge.domain.usage import Month
    from psabridge.server.billing import collection

    try:
        if month:
            return Month.parse(month)
    except ValueError as exc:
        raise _fail(command, str(exc), 2) from None
    if system == "connectwise":
        return collection.current_month()
    return collection.last_finished_month()


@billing_app.command("preview")
def billing_preview(
    month: str = typer.Option("", help="YYYY-MM (default: the month to bill)."),
) -> None:
    """Print every write a push of the month would make; write nothing."""
    system = _setup("preview")
    target = _month("preview", system, month)
    if system == "connectwise":
        _cw_sync("preview", target, preview=True, collect=False, yes=False)
        return
    _print_plans(_halo_plans("preview", system, target), target)


def _halo_plans(command: str, system: str, month: Any) -> list[Any]:
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import push

    try:
        push.check_month(month)
        return push.preview(system, month)
    except ConnectorError as exc:
        code = 2 if isinstance(exc, push.MonthNotFinishedError) else 1
        raise _fail(command, str(exc), code) from None


def _print_plans(plans: list[Any], month: Any) -> None:
    from psabridge.server.billing.plan_text import plan_lines

    print(f"{month.label()}: {sum(p.plan.writes for p in plans)} write(s) to make")
    for line in plan_lines(plans):
        print(line)


@billing_app.command("push")
def billing_push(
    month: str = typer.Option("", help="YYYY-MM (default: the month to bill)."),
    yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
) -> None:
    """Show the month's exact writes, ask for confirmation, then push and write the ledger."""
    system = _setup("push")
    target = _month("push", system, month)
    if system == "connectwise":
        _cw_sync("push", target, preview=False, collect=False, yes=yes)
        return
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import push
    from psabridge.server.billing.plans import fingerprint

    plans = _halo_plans("push", system, target)
    _print_plans(plans, target)
    writes = sum(p.plan.writes for p in plans)
    if writes and not _confirmed(yes, f"Push these {writes} write(s) to the PSA?"):
        raise _fail("push", "nothing written: run again with --yes to push the writes above", 2)
    try:
        run = push.push(system, target, confirmed=fingerprint(plans))
    except ConnectorError as exc:
        raise _fail("push", str(exc), 1) from None
    print(f"pushed {run.month}: {run.writes} line write(s), {run.entries.count()} ledger entries")
    for problem in run.problems:
        print(f"  ! {problem}")


def _confirmed(yes: bool, question: str) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():  # no one to ask (a script, CI): never write unconfirmed
        return False
    return typer.confirm(question, default=False)


@billing_app.command("cw-sync")
def billing_cw_sync(
    preview: bool = typer.Option(False, "--preview", help="Show the plan; write nothing."),
    month: str = typer.Option("", help="YYYY-MM (default: the running month)."),
    collect: bool = typer.Option(True, help="Collect the month's GravityZone usage first."),
    yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
) -> None:
    """ConnectWise PSA: write the month's usage into agreement additions (R4.4), or preview it."""
    system = _setup("cw-sync")
    if system != "connectwise":
        raise _fail("cw-sync", "the connected PSA is not ConnectWise PSA: use billing push", 2)
    _cw_sync("cw-sync", _month("cw-sync", system, month), preview, collect, yes)


def _cw_sync(command: str, month: Any, preview: bool, collect: bool, yes: bool) -> None:
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import collection, cw_sync, cw_text

    try:
        if collect:
            collection.collect(month, billing_only=True)
        plan = cw_sync.sync(month, preview=True)
        for line in cw_text.describe(plan):
            print(line)
        if preview:
            return
        writes = cw_text.planned_writes(plan)
        if writes and not _confirmed(yes, f"Make these {writes} write(s) in ConnectWise PSA?"):
            raise _fail(command, "nothing written: run again with --yes to sync", 2)
        result = cw_sync.sync(month)
    except (ConnectorError, collection.MonthNotStartedError) as exc:
        raise _fail(command, str(exc), 1) from None
    for line in cw_text.describe(result):
        print(line)
