"""The test app served by a real uvicorn on a loopback port, in a thread of this process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve `app` (lifespan included) as `credence serve` does; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        # Waiting for a real server thread to bind, not project time.
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the app server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def raw_exchange(base: str, head: bytes, chunks: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """Send a request head (and any body pieces) over one socket; the bytes that come back.

    The body may stay unfinished: the answer must come without the server waiting for it.
    The socket timeout only keeps a broken server from hanging the run.
    """
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head)
        for chunk in chunks:
            try:
                conn.sendall(chunk)
            except OSError:  # the server answered and closed while we were still sending
                break
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                data = conn.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
        return received


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False
