"""A real HTTP server on 127.0.0.1 for the fetch tests, with scripted faults per path.

Serves `resources` by path (a query string is matched first with, then without it), records
every request, answers conditional requests with 304, and plays the faults queued for a path
one request at a time: a status such as "404" or "500", "429:N" (Retry-After: N), "cut"
(headers and half the body, then the connection is closed) and "truncate" (a short body with
a matching length).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Resource:
    body: bytes
    content_type: str = "application/octet-stream"
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ArchiveServer:
    resources: dict[str, Resource] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.handle(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner.handle(self, self.rfile.read(length) if length else b"")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(h.path)
        with self.lock:
            self.requests.append(
                Seen(h.command, parts.path, parts.query, dict(h.headers.items()), body)
            )
            queue = self.faults.get(parts.path) or []
            fault = queue.pop(0) if queue else None
        resource = self.resources.get(h.path) or self.resources.get(parts.path)
        if (fault is not None and fault.isdigit()) or resource is None:
            status = int(fault) if fault is not None else 404
            self._send(h, status, b"error\n", "text/plain")
            return
        if fault is not None and fault.startswith("429:"):
            self._send(h, 429, b"slow down\n", "text/plain", {"Retry-After": fault[4:]})
            return
        headers = {}
        if resource.etag:
            headers["ETag"] = resource.etag
        if resource.last_modified:
            headers["Last-Modified"] = resource.last_modified
        if self._not_modified(h, resource):
            h.send_response(304)
            for name, value in headers.items():
                h.send_header(name, value)
            h.end_headers()
            return
        if fault == "cut":
            h.send_response(200)
            h.send_header("Content-Type", resource.content_type)
            h.send_header("Content-Length", str(len(resource.body)))
            h.end_headers()
            h.wfile.write(resource.body[: len(resource.body) // 2])
            h.wfile.flush()
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        data = resource.body[: len(resource.body) // 2] if fault == "truncate" else resource.body
        self._send(h, 200, data, resource.content_type, headers)

    @staticmethod
    def _not_modified(h: BaseHTTPRequestHandler, resource: Resource) -> bool:
        # RFC 9110 13.2.2: If-None-Match, when sent, decides; If-Modified-Since is then ignored.
        if_none_match = h.headers.get("If-None-Match")
        if if_none_match is not None:
            return resource.etag is not None and if_none_match == resource.etag
        since = h.headers.get("If-Modified-Since")
        return resource.last_modified is not None and since == resource.last_modified

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)
