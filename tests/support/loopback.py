"""A real HTTP server on 127.0.0.1 for tests: JSON routes, and a record of every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Loopback:
    """Serves `routes` (path → callable returning a JSON-able object or raw bytes)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.routes: dict[str, Callable[[], object]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                route = owner.routes.get(self.path)
                value = route() if route else {"error": "not found"}
                body = value if isinstance(value, bytes) else json.dumps(value).encode()
                self.send_response(200 if route else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def count(self, path: str) -> int:
        """How many requests for `path` arrived."""
        return self.requests.count(path)

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
