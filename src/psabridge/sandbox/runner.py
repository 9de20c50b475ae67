"""Sandbox: start the outside-system simulators, each on its own HTTP server."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from . import autotask, connectwise
from .automate import AutomateSimulator
from .autotask import AutotaskSimulator
from .connectwise import ConnectWiseSimulator
from .gravityzone import GravityZoneSimulator
from .halopsa import HaloSimulator, sources_from_gravityzone
from .serving import BackgroundServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class Simulator(Protocol):
    """What the runner needs from a simulator."""

    name: str

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]: ...

    def info(self, root_url: str) -> dict[str, str]: ...

    def start_background(self) -> None: ...

    def stop_background(self) -> None: ...


class Sandbox:
    """All simulators, started and stopped together; usable as a context manager.

    The HaloPSA and ConnectWise PSA worlds are built from the GravityZone one (same seed,
    same companies) and share its simulated clock; the Automate clients link to the PSA
    companies. The Autotask PSA world is built the same way (not yet a product PSA: it serves
    on its own port for the connector work). `rate_limits=False` turns every simulator's limits
    off; `halo_rate_limit=None`, `cw_rate_limit=None` or `at_threshold=None` turns off one
    simulator's alone.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        gravityzone_port: int = 0,
        seed: int = 7,
        companies: int = 25,
        endpoints: int = 600,
        alert_interval: float | None = None,
        push_batch_max: int = 10,
        rate_limits: bool = True,
        time_scale: float = 1.0,
        halopsa_port: int = 0,
        halo_rate_limit: tuple[int, float] | None = (300, 300.0),
        halo_token_lifetime: int = 3600,
        connectwise_port: int = 0,
        automate_port: int = 0,
        cw_rate_limit: tuple[int, float] | None = (1000, 60.0),
        automate_token_lifetime: int = 3600,
        autotask_port: int = 0,
        at_threshold: int | None = 10_000,
    ) -> None:
        self.host = host
        self.gravityzone = GravityZoneSimulator(
            seed=seed,
            companies=companies,
            endpoints=endpoints,
            alert_interval=alert_interval,
            push_batch_max=push_batch_max,
            rate_limits=rate_limits,
            time_scale=time_scale,
        )
        self.halopsa = HaloSimulator(
            seed=seed,
            sources=sources_from_gravityzone(self.gravityzone.world),
            clock=self.gravityzone.clock,
            rate_limit=halo_rate_limit if rate_limits else None,
            token_lifetime=halo_token_lifetime,
        )
        self.connectwise = ConnectWiseSimulator(
            seed=seed,
            sources=connectwise.sources_from_gravityzone(self.gravityzone.world),
            clock=self.gravityzone.clock,
            rate_limit=cw_rate_limit if rate_limits else None,
            time_scale=time_scale,
        )
        self.automate = AutomateSimulator(
            seed=seed,
            plan=self.connectwise.store.scenario["automate"]["clients"],
            clock=self.gravityzone.clock,
            rate_limit=None if not rate_limits else (600, 60.0),
            token_lifetime=automate_token_lifetime,
            time_scale=time_scale,
        )
        self.autotask = AutotaskSimulator(
            seed=seed,
            sources=autotask.sources_from_gravityzone(self.gravityzone.world),
            clock=self.gravityzone.clock,
            threshold=at_threshold if rate_limits else None,
            thread_limit=3 if rate_limits else None,
            time_scale=time_scale,
        )
        self._planned: list[tuple[Simulator, int]] = [
            (self.gravityzone, gravityzone_port),
            (self.halopsa, halopsa_port),
            (self.connectwise, connectwise_port),
            (self.automate, automate_port),
            (self.autotask, autotask_port),
        ]
        self._servers: dict[str, tuple[Simulator, BackgroundServer]] = {}

    def start(self) -> Sandbox:
        """Start every simulator's server and background threads; return self."""
        try:
            for simulator, port in self._planned:
                server = BackgroundServer(simulator, self.host, port)
                self._servers[simulator.name] = (simulator, server)
                simulator.start_background()
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the background threads, then the servers (together: each waits a poll tick)."""
        running = list(self._servers.values())
        for simulator, _ in reversed(running):
            simulator.stop_background()
        stoppers = [threading.Thread(target=server.stop) for _, server in running]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        self._servers.clear()

    def info(self) -> dict[str, dict[str, str]]:
        """Return connection details per simulator (base_url, api_key, sandbox_url, ...)."""
        return {
            name: simulator.info(server.root_url)
            for name, (simulator, server) in self._servers.items()
        }

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the sandbox in the foreground until interrupted (python -m psabridge.sandbox.runner)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--gravityzone-port", type=int, default=0)
    parser.add_argument("--halopsa-port", type=int, default=0)
    parser.add_argument("--connectwise-port", type=int, default=0)
    parser.add_argument("--automate-port", type=int, default=0)
    parser.add_argument("--autotask-port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--alert-interval", type=float, default=None)
    args = parser.parse_args(argv)
    options: dict[str, Any] = {
        "host": args.host,
        "gravityzone_port": args.gravityzone_port,
        "halopsa_port": args.halopsa_port,
        "connectwise_port": args.connectwise_port,
        "automate_port": args.automate_port,
        "autotask_port": args.autotask_port,
        "seed": args.seed,
        "alert_interval": args.alert_interval,
    }
    with Sandbox(**options) as sandbox:
        print(json.dumps(sandbox.info(), indent=2), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
