"""The `psabridge billing` commands: show a month's exact writes, then push them once confirmed."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from psabridge import launcher

billing_app = typer.Typer(help="Monthly usage into PSA billing: preview, then push.")
YES_HELP = "Push without asking (scripts); the writes are still printed first."
JSON_HELP = "One JSON object a line: the review (its writes and fingerprint), then the result."


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
    """The month asked for, else the month to bill (HaloPSA: the last finished one;
    ConnectWise: the running one)."""
    from psabridge.domain.usage import Month
    from psabridge.server.billing import collection

    try:
        return Month.parse(month) if month else collection.month_to_bill(system)
    except ValueError as exc:
        raise _fail(command, str(exc), 2) from None


def _review(command: str, system: str, month: Any, as_json: bool = False) -> Any:
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import confirmation

    try:
        shown = confirmation.review(system, month)
    except confirmation.NotPushableError as exc:
        raise _fail(command, str(exc), 2) from None
    except ConnectorError as exc:
        raise _fail(command, str(exc), 1) from None
    if as_json:
        print(json.dumps({"review": shown.as_json()}, default=str, sort_keys=True))
    else:
        for line in shown.text:
            print(line)
    return shown


@billing_app.command("preview")
def billing_preview(
    month: str = typer.Option("", help="YYYY-MM (default: the month to bill)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Print every write a push of the month would make; write nothing."""
    system = _setup("preview")
    _review("preview", system, _month("preview", system, month), as_json)


@billing_app.command("push")
def billing_push(
    month: str = typer.Option("", help="YYYY-MM (default: the month to bill)."),
    yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show the month's exact writes, ask for confirmation, then push and write the ledger."""
    system = _setup("push")
    _push("push", system, _month("push", system, month), yes, as_json)


def _push(command: str, system: str, month: Any, yes: bool, as_json: bool = False) -> None:
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import confirmation

    shown = _review(command, system, month, as_json)
    writes = len(shown.writes)
    if writes and not _confirmed(yes, f"Make these {writes} write(s) in the PSA?"):
        raise _fail(command, "nothing written: run again with --yes to push the writes above", 2)
    try:
        done = confirmation.apply(system, month, shown.fingerprint)
    except confirmation.NotPushableError as exc:
        raise _fail(command, str(exc), 2) from None
    except ConnectorError as exc:
        raise _fail(command, f"{exc} (pushing again resumes it)", 1) from None
    if as_json:
        result = {k: v for k, v in done.items() if k != "text"}
        print(json.dumps({"result": result}, default=str, sort_keys=True))
        return
    for line in done["text"]:
        print(line)
    for problem in done["problems"]:
        print(f"  ! {problem}")


def _confirmed(yes: bool, question: str) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():  # no one to ask (a script, CI): never write unconfirmed
        return False
    return typer.confirm(question, default=False)


def billing_sync(
    preview: bool = typer.Option(False, "--preview", help="Show the plan; write nothing."),
    month: str = typer.Option("", help="YYYY-MM (default: the month to bill)."),
    collect: bool = typer.Option(True, help="Collect the month's GravityZone usage first."),
    yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Collect the month's usage, then as `billing preview` / `billing push` (any PSA)."""
    system = _setup("sync")
    target = _month("sync", system, month)
    if collect:
        _collect(target)
    if preview:
        _review("sync", system, target, as_json)
    else:
        _push("sync", system, target, yes, as_json)


billing_app.command("sync")(billing_sync)
# The name of earlier releases, kept so scripts and cron lines keep working.
billing_app.command("cw-sync", hidden=True)(billing_sync)


def _collect(month: Any) -> None:
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.billing import collection

    try:
        collection.collect(month, billing_only=True)
    except collection.MonthNotStartedError as exc:
        raise _fail("sync", str(exc), 2) from None
    except ConnectorError as exc:
        raise _fail("sync", str(exc), 1) from None
