"""`psabridge run`: migrate, ensure an admin, start sandbox, worker and web, stop them cleanly."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from typing import Any

import httpx

from psabridge.supervisor import Supervisor

__all__ = ["Supervisor"]

SANDBOX_START_TIMEOUT = 60.0
WEB_START_TIMEOUT = 90.0


WILDCARD_HOSTS = ("0.0.0.0", "::")  # noqa: S104 - compared with, never bound here


def public_url() -> str:
    """Return the address GravityZone pushes to: PSABRIDGE_PUBLIC_URL, else http://HOST:PORT
    from PSABRIDGE_HOST and PSABRIDGE_PORT (README), a wildcard host read as 127.0.0.1."""
    given = os.environ.get("PSABRIDGE_PUBLIC_URL", "").strip().rstrip("/")
    if given:
        return given
    host = os.environ.get("PSABRIDGE_HOST", "127.0.0.1").strip() or "127.0.0.1"
    reachable = "127.0.0.1" if host in WILDCARD_HOSTS else host
    return f"http://{reachable}:{os.environ.get('PSABRIDGE_PORT', '8000').strip() or '8000'}"


def django_setup(*, ready: bool = True) -> None:
    """Configure Django once for commands that use the database.

    `ready`: the command needs a migrated database; without one it stops with one line and
    exit code 2 (a user's mistake, never a traceback). `run` and `migrate` make it ready.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psabridge.server.settings")
    os.environ.setdefault("PSABRIDGE_PUBLIC_URL", public_url())
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as wrong:  # a setting the admin gave: one line, not a traceback
        print(f"psabridge: {wrong}", file=sys.stderr)
        raise SystemExit(2) from None
    problem = database_problem() if ready else ""
    if problem:
        print(f"psabridge: {problem}", file=sys.stderr)
        raise SystemExit(2)


def database_problem() -> str:
    """Say why the database cannot be used yet ("" when it can)."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    where = _database_name(connection.settings_dict)
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or ["no answer"])[0]
        return f"cannot open the database {where} ({first}): check DATABASE_URL"
    if pending:
        return (
            f"the database {where} is not set up yet: run `psabridge migrate` "
            "(or `make run`, which does it) first"
        )
    return ""


def _database_name(settings_dict: dict[str, Any]) -> str:
    name = str(settings_dict.get("NAME") or "")
    host = settings_dict.get("HOST")
    return f"{name} on {host}" if host else name


def migrate() -> None:
    """Bring the database schema up to date."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_admin() -> str | None:
    """Create the admin user the first time (password printed once); return that password."""
    from django.contrib.auth import get_user_model

    users = get_user_model()
    wanted = os.environ.get("PSABRIDGE_ADMIN_PASSWORD", "")
    admin = users.objects.filter(username="admin").first()
    if admin is None and users.objects.filter(is_superuser=True).exists():
        return None
    if admin is None:
        password = wanted or secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "", password)
        return password
    if wanted and not admin.check_password(wanted):
        admin.set_password(wanted)
        admin.save(update_fields=["password"])
    return None


SANDBOX_PORT_OPTIONS = (
    "--gravityzone-port",
    "--halopsa-port",
    "--connectwise-port",
    "--automate-port",
    "--autotask-port",
)


def start_sandbox(
    supervisor: Supervisor, ports: tuple[int, ...], alert_interval: float
) -> dict[str, Any]:
    """Start the sandbox as a child process and return the line of URLs and credentials.

    `ports` go to GravityZone, HaloPSA, ConnectWise PSA, Automate and Autotask, in that order.
    """
    argv = [sys.executable, "-m", "psabridge.cli", "sandbox", "--json"]
    for option, port in zip(SANDBOX_PORT_OPTIONS, ports, strict=False):
        argv += [option, str(port)]
    argv += ["--alert-interval", str(alert_interval)]
    process = supervisor.start("sandbox", argv, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = _read_line(process, SANDBOX_START_TIMEOUT)
    info: dict[str, Any] = json.loads(line)
    return info


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    import selectors

    selector = selectors.DefaultSelector()
    assert process.stdout is not None
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        raise RuntimeError(f"the sandbox did not start within {timeout:.0f} s")
    line = process.stdout.readline()
    if not line:
        raise RuntimeError("the sandbox stopped before it was ready (is its port taken?)")
    return line


def sandbox_psa() -> str:
    """Return the PSA the sandbox connects: PSABRIDGE_SANDBOX_PSA, "halopsa" by default."""
    from psabridge.connectors.registry import psa_profiles

    wanted = os.environ.get("PSABRIDGE_SANDBOX_PSA", "halopsa").strip().lower()
    kinds = {p.kind for p in psa_profiles()}
    wanted = SANDBOX_PSA_ALIASES.get(wanted, wanted)
    return wanted if wanted in kinds else "halopsa"


SANDBOX_PSA_ALIASES = {"cw": "connectwise", "at": "autotask", "halo": "halopsa"}


def connect_sandbox(info: dict[str, Any]) -> dict[str, str]:
    """Point GravityZone (and the sandbox PSA when no PSA is configured) at the sandbox.

    The PSA is PSABRIDGE_SANDBOX_PSA's (HaloPSA by default), with its RMM when its mappings go
    through one (ConnectWise PSA with Automate). Returns each connected system's outcome.
    """
    from psabridge.server.core import connections

    gravityzone = info["gravityzone"]
    result = connections.validate_gravityzone(gravityzone["base_url"], gravityzone["api_key"])
    connections.save_gravityzone(
        gravityzone["base_url"], gravityzone["api_key"], result, is_sandbox=True
    )
    outcomes: dict[str, str] = {"gravityzone": result.outcome}
    if result.outcome == "ok":
        connections.refresh_companies_quietly()
        _restore_sandbox_push()
    psa = sandbox_psa()
    if psa in info and _psa_is_free() and _may_switch_to(psa):
        _forget_other_sandbox_psa(psa)
        outcomes.update(_connect_sandbox_psa(psa, info))
    return outcomes


def _may_switch_to(psa: str) -> bool:
    """Another sandbox PSA with mappings is connected: switch only when asked to (never a silent
    swap); say what to do in one paragraph."""
    from psabridge.server.core import connections, systems
    from psabridge.server.core.models import Connection
    from psabridge.server.mappings.models import Mapping

    other = Connection.objects.filter(system__in=systems.psa_kinds()).exclude(system=psa).first()
    if other is None:
        return True
    mapped = Mapping.objects.filter(system=other.system).count()
    old, new = systems.label(other.system), systems.label(psa)
    if mapped and os.environ.get("PSABRIDGE_SANDBOX_SWITCH", "").lower() not in ("yes", "1"):
        print(
            f"psabridge: the sandbox PSA here is {old} ({mapped} mappings); "
            f"PSABRIDGE_SANDBOX_PSA asks for {new}. Kept {old}: to switch, run again with "
            f"PSABRIDGE_SANDBOX_SWITCH=yes ({old}'s mappings and ticketing settings are kept, "
            "unused), or use another PSABRIDGE_DATA_DIR.",
            file=sys.stderr,
            flush=True,
        )
        return False
    connections.replace_psa(other.system, psa)
    return True


def _psa_is_free() -> bool:
    """No PSA is configured, or only sandbox ones (which the sandbox may replace)."""
    from psabridge.server.core import systems
    from psabridge.server.core.models import Connection

    psas = Connection.objects.filter(system__in=systems.psa_kinds())
    return all(psa.is_sandbox for psa in psas)


def _forget_other_sandbox_psa(psa: str) -> None:
    # One PSA at a time: switching the sandbox PSA drops the other sandbox PSA's connection.
    from psabridge.server.core import systems
    from psabridge.server.core.models import Connection

    kept = {psa, systems.psa(psa).rmm}
    others = [kind for kind in systems.psa_kinds() + systems.rmm_kinds() if kind not in kept]
    Connection.objects.filter(system__in=others, is_sandbox=True).delete()


def _connect_sandbox_psa(psa: str, info: dict[str, Any]) -> dict[str, str]:
    """Save the PSA's (and its RMM's) sandbox connection from its form's fields, validated,
    then read the PSA's companies for the mappings page."""
    from psabridge.connectors.errors import ConnectorError
    from psabridge.connectors.registry import profile
    from psabridge.server.core import connections, systems
    from psabridge.server.mappings import services

    outcomes: dict[str, str] = {}
    for system in (psa, systems.psa(psa).rmm):
        if not system or system not in info:
            continue
        given = info[system]
        values = {f.name: str(given[f.name]) for f in profile(system).fields if f.name in given}
        result = connections.validate(system, values)
        connections.save(system, values, result, is_sandbox=True)
        outcomes[system] = result.outcome
    if outcomes.get(psa) == "ok":
        try:
            services.refresh(psa)
        except ConnectorError as exc:
            name = systems.label(psa)
            print(f"  could not read the sandbox {name} companies: {exc}", file=sys.stderr)
    return outcomes


def sandbox_address(values: dict[str, Any]) -> str:
    """Return the address a sandbox system is reached at, whatever its first field is called."""
    for name in ("base_url", "site_url", "server_url", "zone_url"):
        if values.get(name):
            return str(values[name])
    return "?"


def _restore_sandbox_push() -> None:
    # The sandbox keeps state in memory: push enabled before a restart is enabled again.
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.alerts import push

    if push.push_state().enabled_by_us:
        try:
            push.enable_push()
        except ConnectorError as exc:
            print(f"  could not re-enable sandbox push: {exc}", file=sys.stderr)


def wants_sandbox() -> bool:
    """Return True when the sandbox should run: nothing configured, or the sandbox was."""
    from psabridge.server.core import connections

    mode = os.environ.get("PSABRIDGE_SANDBOX", "auto").lower()
    if mode in ("never", "0", "false", "no"):
        return False
    connection = connections.gravityzone_connection()
    return mode in ("always", "1", "true", "yes") or connection is None or connection.is_sandbox


def wait_until_serving(
    url: str, supervisor: Supervisor, timeout: float = WEB_START_TIMEOUT
) -> None:
    """Poll the health endpoint until the web process answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.exited():
            raise RuntimeError(f"the {supervisor.exited()} process stopped during start-up")
        try:
            if httpx.get(url + "/healthz?live=1", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the web server did not answer within {timeout:.0f} s")


def rate_shares(web_workers: int) -> tuple[str, str]:
    """Return each worker's and each web process's share of outside rate limits (no Redis)."""
    # The worker makes almost every outside call; web processes validate, read options and
    # switch billing on, so they keep 40% between them.
    return "0.6", f"{0.4 / max(web_workers, 1):.3f}"


def web_argv(host: str, port: int, workers: int) -> list[str]:
    """Return the gunicorn command line of the web process."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "psabridge.server.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
