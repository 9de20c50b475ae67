"""The psabridge command line: run everything, workers, the sandbox, and admin jobs."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

import typer

from psabridge import launcher
from psabridge.cli_billing import billing_app
from psabridge.cli_lists import events, mappings
from psabridge.cli_tokens import token_app
from psabridge.cli_usage import usage_app

app = typer.Typer(
    help="psabridge: GravityZone usage and alerts into your PSA.", no_args_is_help=True
)
sandbox_app = typer.Typer(
    help="The simulators of the outside systems.", invoke_without_command=True
)
admin_app = typer.Typer(help="Administrator account.")
push_app = typer.Typer(help="GravityZone event push.")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(admin_app, name="admin")
app.add_typer(token_app, name="token")
app.add_typer(push_app, name="push")
app.add_typer(usage_app, name="usage")
app.add_typer(billing_app, name="billing")
app.command("mappings")(mappings)
app.command("events")(events)


def _interrupt(*_: object) -> None:
    # SIGTERM stops like Ctrl-C: children are stopped in the `finally` blocks.
    raise KeyboardInterrupt


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@app.command()
def run(
    host: str = typer.Option(
        os.environ.get("PSABRIDGE_HOST", "127.0.0.1"), help="Address to listen on."
    ),
    port: int = typer.Option(_env_int("PSABRIDGE_PORT", 8000), help="Web port."),
    web_workers: int = typer.Option(_env_int("PSABRIDGE_WEB_WORKERS", 2), help="Web processes."),
) -> None:
    """Start web + worker + scheduler (and the sandbox when nothing is configured)."""
    reachable = "127.0.0.1" if host in launcher.WILDCARD_HOSTS else host
    os.environ.setdefault("PSABRIDGE_PUBLIC_URL", f"http://{reachable}:{port}")
    launcher.django_setup(ready=False)
    print("psabridge: preparing the database …", flush=True)
    launcher.migrate()
    password = launcher.ensure_admin()
    supervisor = launcher.Supervisor()
    # Ctrl-C and SIGTERM stop everything, even when started where SIGINT is inherited as
    # ignored (a background job of a script): otherwise the children would stop alone.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        sandbox_note = _maybe_sandbox(supervisor)
        worker_share, web_share = launcher.rate_shares(web_workers)
        worker_argv = [sys.executable, "-m", "psabridge.cli", "worker", "--scheduler"]
        supervisor.start(
            "worker", worker_argv, restart=True, env_extra={"PSABRIDGE_RATE_SHARE": worker_share}
        )
        supervisor.start(
            "web",
            launcher.web_argv(host, port, web_workers),
            restart=True,
            env_extra={"PSABRIDGE_RATE_SHARE": web_share},
        )
        url = os.environ["PSABRIDGE_PUBLIC_URL"]
        launcher.wait_until_serving(url, supervisor)
        _banner(url, password, sandbox_note)
        # A dead worker or web process is started again (with backoff): the rest keep running.
        while (problem := supervisor.check()) is None:
            time.sleep(0.5)
        print(f"psabridge: {problem}; stopping the rest", file=sys.stderr)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        print("\npsabridge: stopping …", flush=True)
    except RuntimeError as exc:
        print(f"psabridge: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        supervisor.stop()


def _maybe_sandbox(supervisor: launcher.Supervisor) -> str:
    if not launcher.wants_sandbox():
        return ""
    ports = (
        _env_int("PSABRIDGE_SANDBOX_PORT", 8101),
        _env_int("PSABRIDGE_SANDBOX_HALO_PORT", 8102),
        _env_int("PSABRIDGE_SANDBOX_CW_PORT", 8103),
        _env_int("PSABRIDGE_SANDBOX_AUTOMATE_PORT", 8104),
        _env_int("PSABRIDGE_SANDBOX_AUTOTASK_PORT", 8105),
    )
    interval = float(os.environ.get("PSABRIDGE_SANDBOX_ALERT_INTERVAL", "2"))
    listed = ", ".join(str(port) for port in ports)
    print(f"psabridge: starting the sandbox on ports {listed} …", flush=True)
    info = launcher.start_sandbox(supervisor, ports, interval)
    outcomes = launcher.connect_sandbox(info)
    return "; ".join(
        f"sandbox {name} at {launcher.sandbox_address(info[name])} (connection: {outcome})"
        for name, outcome in outcomes.items()
    )


def _banner(url: str, password: str | None, sandbox_note: str) -> None:
    print("\n" + "=" * 64)
    print(f"  psabridge is running at {url}/")
    if password:
        print(f"  Admin login: admin / {password}")
        print("  (shown only this once; `psabridge admin reset-password` makes a new one)")
    else:
        print("  Admin login: admin (password set at the first run)")
    if sandbox_note:
        print(f"  {sandbox_note}")
    print("  Press Ctrl-C to stop.")
    print("=" * 64 + "\n", flush=True)


@app.command()
def web(
    host: str = typer.Option(
        os.environ.get("PSABRIDGE_HOST", "127.0.0.1"), help="Address to listen on."
    ),
    port: int = typer.Option(_env_int("PSABRIDGE_PORT", 8000), help="Web port."),
    workers: int = typer.Option(_env_int("PSABRIDGE_WEB_WORKERS", 2), help="Web processes."),
) -> None:
    """Serve the web pages, REST API and webhook only (gunicorn); run `migrate` first."""
    argv = launcher.web_argv(host, port, workers)
    # Our own gunicorn command line; gunicorn takes the process (its signals, its exit code).
    os.execv(argv[0], argv)  # noqa: S606


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (before starting web or worker processes)."""
    launcher.django_setup(ready=False)
    launcher.migrate()
    print("psabridge migrate: the database is up to date")


@app.command()
def worker(
    scheduler: bool = typer.Option(False, help="Also run the periodic scheduler (one per site)."),
    threads: int = typer.Option(_env_int("PSABRIDGE_WORKER_THREADS", 4), help="Worker threads."),
) -> None:
    """Start a worker; add --scheduler on exactly one host (a second one refuses to start)."""
    launcher.django_setup()
    from django.core.management import call_command

    if scheduler:
        from psabridge.server.core import scheduler as schedule

        problem = schedule.claim()
        if problem:
            print(f"psabridge worker: {problem}", file=sys.stderr)
            raise typer.Exit(2)
    options: dict[str, Any] = {"workers": threads, "worker_type": "thread"}
    if not scheduler:
        options["periodic"] = False
    call_command("run_huey", **options)


@sandbox_app.callback()
def sandbox(
    ctx: typer.Context,
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON line of URLs and credentials first."
    ),
    host: str = typer.Option("127.0.0.1"),
    gravityzone_port: int = typer.Option(_env_int("PSABRIDGE_SANDBOX_PORT", 8101)),
    halopsa_port: int = typer.Option(_env_int("PSABRIDGE_SANDBOX_HALO_PORT", 8102)),
    connectwise_port: int = typer.Option(_env_int("PSABRIDGE_SANDBOX_CW_PORT", 8103)),
    automate_port: int = typer.Option(_env_int("PSABRIDGE_SANDBOX_AUTOMATE_PORT", 8104)),
    autotask_port: int = typer.Option(_env_int("PSABRIDGE_SANDBOX_AUTOTASK_PORT", 8105)),
    alert_interval: float = typer.Option(
        0.0, help="Push a batch of random alerts every N s (0: only on demand)."
    ),
    seed: int = typer.Option(7),
    companies: int = typer.Option(25),
    endpoints: int = typer.Option(600),
) -> None:
    """Serve the simulators until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    from psabridge.sandbox.runner import Sandbox

    box = Sandbox(
        host=host,
        gravityzone_port=gravityzone_port,
        halopsa_port=halopsa_port,
        connectwise_port=connectwise_port,
        automate_port=automate_port,
        autotask_port=autotask_port,
        seed=seed,
        companies=companies,
        endpoints=endpoints,
        alert_interval=alert_interval or None,
    )
    # Ctrl-C as well as SIGTERM, even when started as a background job of a script, where
    # SIGINT is inherited as ignored (the sandbox then never stopped on Ctrl-C); set before the
    # line below is printed, so a signal sent as soon as it is read is not lost.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        box.start()
    except OSError as exc:
        print(
            f"psabridge sandbox: cannot listen on port {gravityzone_port}: {exc}", file=sys.stderr
        )
        raise typer.Exit(1) from None
    try:
        print(json.dumps(box.info()) if as_json else _sandbox_text(box.info()), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()


def _sandbox_text(info: dict[str, Any]) -> str:
    lines = ["psabridge sandbox is serving (Ctrl-C stops it):"]
    for system, values in info.items():
        lines.append(f"  {system}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return "\n".join(lines)


@sandbox_app.command("alerts")
def sandbox_alerts(
    count: int = typer.Option(5, help="How many alert events."),
    kinds: str = typer.Option("", help="Comma-separated modules (default: all 11 alert modules)."),
    outcome: str = typer.Option("mixed", help="blocked, current or mixed."),
    url: str = typer.Option(
        f"http://127.0.0.1:{_env_int('PSABRIDGE_SANDBOX_PORT', 8101)}",
        help="The sandbox GravityZone address.",
    ),
) -> None:
    """Have the sandbox GravityZone push alert events now."""
    import httpx

    body: dict[str, Any] = {"count": count, "outcome": outcome}
    if kinds:
        body["kinds"] = [k.strip() for k in kinds.split(",") if k.strip()]
    try:
        answer = httpx.post(f"{url}/_sandbox/alerts", json=body, timeout=30.0)
        answer.raise_for_status()
        httpx.post(f"{url}/_sandbox/push/flush", timeout=60.0).raise_for_status()
    except httpx.HTTPError as exc:
        print(f"psabridge sandbox alerts: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"queued and pushed {count} alert events")


@app.command()
def receiver(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Print the push receiver URL and secret, for configuring push by hand."""
    launcher.django_setup()
    from psabridge.server.alerts import push

    target = push.receiver()
    info = {
        "url": push.receiver_url(target, launcher.public_url()),
        "authorization": target.authorization(),
        "service_type": "jsonRPC",
    }
    print(json.dumps(info) if as_json else "\n".join(f"{k}: {v}" for k, v in info.items()))


@app.command()
def alerts(
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    kind: str = typer.Option(""),
    outcome: str = typer.Option(""),
    company_id: str = typer.Option(""),
    since: str = typer.Option("", help="ISO date-time with zone."),
    limit: int = typer.Option(50),
) -> None:
    """List received alerts, newest first."""
    launcher.django_setup()
    from psabridge.server.alerts.api import alert_out
    from psabridge.server.alerts.query import AlertFilters, FilterError, filter_alerts

    try:
        filters = AlertFilters.from_query(
            {"kind": kind, "outcome": outcome, "company_id": company_id, "since": since},
            strict=True,
        )
    except FilterError as exc:
        print(f"psabridge alerts: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    for alert in filter_alerts(filters)[:limit]:
        row = alert_out(alert)
        print(json.dumps(row, default=str) if as_json else _alert_line(row))


def _alert_line(row: dict[str, Any]) -> str:
    when = f"{row['occurred_at']:%Y-%m-%d %H:%M:%S}"
    return f"{when}  {row['kind']:<24} {row['outcome']:<8} {row['title']}"


@push_app.command("enable")
def push_enable(
    as_json: bool = typer.Option(False, "--json", help="One JSON object: the push state."),
) -> None:
    """Point GravityZone's push at this server."""
    launcher.django_setup()
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.alerts import push

    try:
        state = push.enable_push(launcher.public_url())
    except ConnectorError as exc:
        print(f"psabridge push enable: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(json.dumps(_push_state(state)) if as_json else f"push enabled towards {state.url}")


@push_app.command("check")
def push_check(
    as_json: bool = typer.Option(False, "--json", help="One JSON object: the push state."),
) -> None:
    """Read GravityZone's push settings and statistics now."""
    launcher.django_setup()
    from psabridge.server.alerts import push

    outcome = push.check_push_quietly()
    state = {"push": outcome, **_push_state(push.push_state())}
    print(json.dumps(state) if as_json else f"push: {outcome}")


def _push_state(state: Any) -> dict[str, Any]:
    fields = ("enabled_by_us", "status", "url", "points_here", "check_error")
    return {name: getattr(state, name) for name in fields}


@admin_app.command("reset-password")
def reset_password(username: str = typer.Argument("admin")) -> None:
    """Give a user a new random password and print it once."""
    launcher.django_setup()
    import secrets

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        print(f"no user named {username!r}", file=sys.stderr)
        raise typer.Exit(1)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    print(f"new password for {username}: {password}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command (migrate, createsuperuser, shell …)."""
    launcher.django_setup(ready=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["psabridge manage", *ctx.args])


def main() -> None:
    """Entry point of the `psabridge` command."""
    app()


if __name__ == "__main__":
    main()
