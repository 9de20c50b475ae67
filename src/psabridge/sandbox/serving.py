"""Serve a WSGI app on a Werkzeug server in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

WSGIApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not log every request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip the per-request access log line."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Keep errors only."""
        if type == "error":
            super().log(type, message, *args)


class BackgroundServer:
    """A threaded Werkzeug server bound at construction (port 0 picks a free port)."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietRequestHandler
        )
        self.host = host
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Return the bound port."""
        return int(self.server.server_port)

    @property
    def root_url(self) -> str:
        """Return http://host:port."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server.server_close()
