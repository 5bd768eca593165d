"""Every command that reads the catalog, run as a seller runs it in the documented Supabase setup:
a real `pod-pipeline` subprocess with `POD_CATALOG_URL=postgresql://…` in its environment (issue
13, item 11: the URL reached the catalog as a variable *name* outside Dagster, so the webhook
receiver could not start and every webhook was lost)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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


def test_the_webhook_receiver_stores_events_in_postgres(database_url, tmp_path):
    port = free_port()
    env = production_env(database_url, GELATO_WEBHOOK_SECRET="s3cret")
    log = (tmp_path / "webhooks.log").open("w+")
    receiver = subprocess.Popen([CLI, "webhooks", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
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
        event = {"id": "evt-pg-1", "event": "store_product_updated", "storeProductId": "g-1", "storeId": "store"}
        answer = httpx.post(f"{base}/gelato/webhooks", json=event, headers={"signature": "s3cret"}, timeout=10)
        assert answer.status_code == 202, answer.text
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)
        log.close()
    stored = PostgresCatalog(database_url).unprocessed_webhook_events()
    assert [(e.id, e.store_product_id) for e in stored] == [("evt-pg-1", "g-1")]


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
