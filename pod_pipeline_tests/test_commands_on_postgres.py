"""Every command that reads the catalog, run as a seller runs it in the documented Supabase setup:
a real `pod-pipeline` subprocess with `POD_CATALOG_URL=postgresql://…` in its environment (issue
13, item 11: the URL reached the catalog as a variable *name* outside Dagster, so the webhook
receiver could not start and every webhook was lost)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline_tests.conftest import poster_only_settings

CLI = str(Path(sys.executable).with_name("pod-pipeline"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POD_", "GELATO_", "SUPABASE_"))}
    return {**env, "POD_CATALOG_URL": database_url, **more}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120)


@contextmanager
def webhook_receiver(database_url: str, tmp_path: Path, *args: str):
    """`pod-pipeline webhooks` as a subprocess on a free port; yields its base URL once healthy."""
    port = free_port()
    env = production_env(database_url, GELATO_WEBHOOK_SECRET="s3cret")
    log = (tmp_path / "webhooks.log").open("w+")
    receiver = subprocess.Popen([CLI, "webhooks", "--port", str(port), *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert receiver.poll() is None, f"the receiver exited:\n{Path(log.name).read_text()}"
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, Path(log.name).read_text()
            time.sleep(0.2)
        yield base
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)
        log.close()


def test_the_webhook_receiver_stores_events_in_postgres(database_url, tmp_path):
    with webhook_receiver(database_url, tmp_path) as base:
        event = {"id": "evt-pg-1", "event": "store_product_updated", "storeProductId": "g-1", "storeId": "store"}
        answer = httpx.post(f"{base}/gelato/webhooks", json=event, headers={"signature": "s3cret"}, timeout=10)
        assert answer.status_code == 202, answer.text
    stored = PostgresCatalog(database_url).unprocessed_webhook_events()
    assert [(e.id, e.store_product_id) for e in stored] == [("evt-pg-1", "g-1")]


def read_until_closed(sock: socket.socket, limit_seconds: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took (bounded)."""
    started, received = time.monotonic(), b""
    sock.settimeout(limit_seconds)
    while chunk := sock.recv(4096):
        received += chunk
    return received, time.monotonic() - started


def test_slow_or_silent_clients_cannot_hold_the_receiver(database_url, tmp_path):
    # Issue 13, item 13: a client trickling its headers (or saying nothing) held a connection for ever.
    with webhook_receiver(database_url, tmp_path, "--header-seconds", "1") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as trickling, \
                socket.create_connection(("127.0.0.1", port)) as silent:
            started = time.monotonic()
            for piece in (b"POST /gelato/webhooks HTTP/1.1\r\n", b"Host: x\r\n", b"signature: s3"):
                trickling.sendall(piece)  # a slowloris: always a little more, never the end
                time.sleep(0.4)
            answer, _ = read_until_closed(trickling, limit_seconds=10)
            took = time.monotonic() - started
            assert answer.startswith(b"HTTP/1.1 408") and 0.8 < took < 5, (answer, took)
            nothing, took = read_until_closed(silent, limit_seconds=10)
            assert nothing.startswith(b"HTTP/1.1 408") and took < 5
        # A real client is not hurt: two deliveries on one kept-alive connection (http.client
        # never reconnects by itself), with a pause between them longer than the deadline.
        gelato = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for event_id in ("evt-a", "evt-b"):
                body = json.dumps({"id": event_id, "event": "store_product_updated", "storeProductId": "g-1"})
                gelato.request("POST", "/gelato/webhooks", body, {"signature": "s3cret",
                                                                  "content-type": "application/json"})
                answer = gelato.getresponse()
                assert answer.status == 202, answer.read()
                answer.read()
                time.sleep(1.5)
        finally:
            gelato.close()


def test_price_sheet_reads_postgres(database_url, tmp_path):
    done = run(["price-sheet", "--out", str(tmp_path / "sheets")], production_env(database_url))
    assert done.returncode == 0, done.stderr
    assert "no prices stored yet" in done.stderr


def test_reconcile_reads_postgres(database_url, tmp_path, gelato_sandbox):
    env = production_env(database_url, POD_SANDBOX_URL=gelato_sandbox.base_url,
                         POD_SETTINGS=poster_only_settings(tmp_path))
    done = run(["reconcile", "--json"], env)
    assert done.returncode == 0, done.stderr
    assert '"drift_left"' in done.stdout


def test_doctor_checks_the_postgres_catalog(database_url):
    import json

    done = run(["doctor", "--json"], production_env(database_url))
    catalog = [c for c in json.loads(done.stdout)["checks"] if c["name"] == "catalog"]
    assert catalog and catalog[0]["status"] == "ok", catalog
