"""Real loopback HTTP helpers for the sandbox tests: a file host for artwork (what Gelato would
download) that doubles as a webhook receiver, and a poller for product status."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from PIL import Image

API_KEY = "sandbox-key"
STORE_ID = "6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84"
POSTER = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
TSHIRT = "e1f3c9a2-7b54-4d0e-9a51-3f6b2d8c4e70"
MUG = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, fmt)
    return buffer.getvalue()


class LocalHTTPServer:
    """Serves registered GET bodies and records every request; POSTs answer with queued statuses
    (default 200) so a test can make the first webhook attempts fail."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[dict[str, Any]] = []
        self.post_statuses: list[int] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def _record(self, body: bytes | None = None) -> None:
                with owner._lock:
                    owner.requests.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )

            def do_GET(self) -> None:
                self._record()
                status, content_type, body = owner.files.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._record(body)
                with owner._lock:
                    status = owner.post_statuses.pop(0) if owner.post_statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def add(self, path: str, body: bytes, content_type: str = "application/octet-stream", status: int = 200) -> str:
        self.files[path] = (status, content_type, body)
        return self.url(path)

    def hits(self, method: str, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def posted_json(self, path: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
        return [(r["headers"], json.loads(r["body"])) for r in self.hits("POST", path) if r["body"]]


def api_client(api_key: str = API_KEY) -> httpx.Client:
    # trust_env=False: loopback only; a proxy from the environment must not intercept it.
    return httpx.Client(headers={"X-API-KEY": api_key}, trust_env=False, timeout=10)


def create_product(client: httpx.Client, ecommerce_url: str, body: dict[str, Any], store_id: str = STORE_ID) -> httpx.Response:
    return client.post(f"{ecommerce_url}/stores/{store_id}/products:create-from-template", json=body)


def wait_for_final(client: httpx.Client, ecommerce_url: str, product_id: str, timeout: float = 8.0,
                   store_id: str = STORE_ID) -> tuple[dict[str, Any], list[str]]:
    """Poll until settled (publishing_error, or active and listed: the listing id arrives after
    `active`); returns the product and every status seen in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        product = client.get(f"{ecommerce_url}/stores/{store_id}/products/{product_id}").json()
        if not seen or seen[-1] != product["status"]:
            seen.append(product["status"])
        if product["status"] == "publishing_error" or (product["status"] == "active" and product["externalId"]):
            return product, seen
        time.sleep(0.02)
    raise AssertionError(f"product {product_id} still {seen[-1]!r} after {timeout}s (seen {seen})")


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
