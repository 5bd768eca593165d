"""What each `pod-pipeline` subcommand does (the parser is in `cli.py`). Imports are local to
each command so `--help` and the light commands start fast."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path


def demo(args: argparse.Namespace) -> int:
    import time

    from pod_pipeline.tools.dagster_services import WORKSPACE
    from pod_pipeline.tools.demo import default_home, run_demo

    home = Path(args.home) if args.home else default_home()
    started = time.monotonic()
    results, env = run_demo(Path(args.artworks) if args.artworks else None, home,
                            publish_delay=args.publish_delay, timeout_seconds=args.timeout)
    elapsed = time.monotonic() - started
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(f"{'artwork':<32} {'status':<10} {'products':<9} reason")
        for r in results:
            live = sum(p["status"] == "active" for p in r["products"])
            print(f"{r['artwork']:<32} {r['status']:<10} {live:>2} live   {r['reason'] or ''}")
        print(f"\n{len(results)} artworks in {elapsed:.1f} s, {env.runs} Dagster runs, {env.ticks} sensor ticks, "
              f"{env.webhooks} Gelato webhooks delivered (ticks and runs by the Dagster daemon)")
        print(f"Gelato calls: {json.dumps(env.gelato_calls)}")
        print(f"Storefront calls (price pushes to the marketplace stand-ins): {json.dumps(env.storefront_calls)}")
        print(f"Dagster instance: DAGSTER_HOME={env.dagster_home} (its console log: {env.log_path})")
        # The dagster beside this Python: `dagster` alone is not on the PATH of a venv not activated.
        settings = f"POD_SETTINGS={env.settings_path} " if env.settings_path else ""
        print(f"Browse it: DAGSTER_HOME={env.dagster_home} POD_CATALOG_URL={env.catalog_url} "
              f"POD_BUCKET_DIR={env.bucket_dir} {settings}{Path(sys.executable).with_name('dagster')} dev -w {WORKSPACE}")
    from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES

    return 0 if all(r["status"] in FINAL_ARTWORK_STATUSES for r in results) else 1


def sandbox(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.sandbox.config import SandboxConfig
    from pod_pipeline.tools.sandbox.server import serve

    serve(SandboxConfig(publish_delay_seconds=args.publish_delay, api_key=args.api_key), host=args.host, port=args.port)
    return 0


def bucket_server(args: argparse.Namespace) -> int:
    import uvicorn

    from pod_pipeline.storage.file_server import create_bucket_app

    uvicorn.run(create_bucket_app(Path(args.root)), host=args.host, port=args.port, log_level="warning")
    return 0


def reconcile(args: argparse.Namespace) -> int:
    from pod_pipeline.catalog.rows import now
    from pod_pipeline.defs.environment import build_resources
    from pod_pipeline.publishing.reconcile import combined, describe, reconcile_store
    from pod_pipeline.storefronts.push import push_due
    from pod_pipeline.storefronts.reconcile import find_price_drift, mark_due

    resources = build_resources(os.environ)
    seller, catalog = resources["settings"].load(), resources["catalog"].open()
    founds, lefts, price_drift, price_drift_left, not_compared = [], [], [], [], []
    with resources["gelato"].client() as client:
        for store in seller.all_stores():
            found, left = reconcile_store(catalog, client, store.gelato_store_id, seller.publishing, fix=args.fix,
                                          delete_ids=args.delete, store_name=store.name)
            founds.append(found)
            lefts.append(left)
    found, left = combined(founds), combined(lefts)
    # The storefront's prices against the catalog's (stores that push prices).
    for store in seller.all_stores():
        storefront = resources["storefronts"].client(store)
        if storefront is None:
            not_compared.append(store.name)
            continue
        with storefront:
            drift = find_price_drift(catalog, storefront, store.name)
            price_drift += drift
            if args.fix and drift:
                mark_due(catalog, drift, store)
                push_due(catalog, storefront, store, now(), limit=10_000)
                drift = find_price_drift(catalog, storefront, store.name)
            price_drift_left += drift
    if args.json:
        print(json.dumps({**found.to_json(), "drift_left": left.counts(),
                          "storefront_price_drift": [d.to_json() for d in price_drift],
                          "storefront_price_drift_left": len(price_drift_left),
                          "storefront_prices_not_compared": not_compared}, indent=2))
    else:
        print(describe(found, left))
        if not_compared:
            print(f"storefront prices: not compared for {', '.join(not_compared)} (no credentials named)")
        if len(not_compared) < len(seller.all_stores()):
            print(f"storefront prices: {len(price_drift)} variants differ from the catalog"
                  + (f", {len(price_drift_left)} after --fix" if args.fix else ""))
            for d in price_drift[:20]:
                print(f"  {d.product_external_id}/{d.variant_external_id}: catalog {d.catalog_price} {d.currency}, "
                      f"storefront {d.storefront_price if d.storefront_price is not None else '—'} {d.note}")
    return 0 if not left.drift and not price_drift_left else 1


def soak(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.soak import DEFAULT_FAULTS, run_soak

    faults = {knob: getattr(args, knob) for knob in DEFAULT_FAULTS if getattr(args, knob, None) is not None}
    result = run_soak(args.artworks, faults, timeout_seconds=args.timeout, home=Path(args.home) if args.home else None)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['artworks']} artworks in {result['seconds']} s: {result['published']} published, "
              f"{result['partial']} partial, {result['rejected']} rejected, {len(result['failed'])} failed, "
              f"{len(result['not_final'])} not final")
        for failure in result["failed"]:
            print(f"  failed {failure['artwork']}: {failure['reason']}")
        print(f"duplicates in the store: {result['duplicates']}; catalog/store drift: {result['drift']} "
              f"{result['drift_by_kind']}")
        print("Gelato calls per product: " + json.dumps(result["calls_per_product"]))
    ok = not result["duplicates"] and not result["drift"] and not result["not_final"] and not result["without_reason"]
    return 0 if ok else 1


def soak_celery(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.celery_soak import run_celery_soak, soak_passed

    result = run_celery_soak(args.artworks, args.workers, args.processes, args.kills, args.max_concurrent_runs,
                             args.batch_size, args.timeout, Path(args.home) if args.home else None)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['artworks']} artworks on {result['workers']} Celery workers × {result['processes_per_worker']} "
              f"processes in {result['seconds']} s: {result['published']} published, {len(result['failed'])} failed, "
              f"{len(result['not_final'])} not final; {result['publishing_runs']} publishing runs, at most "
              f"{result['most_runs_at_once']} at once (limit {result['max_concurrent_runs']})")
        print(f"{result['kills']} run workers killed: {result['killed_runs_failed_by_monitoring']} failed by run "
              f"monitoring, {result['killed_runs_retried']} retried by the daemon, {result['retries_succeeded']} "
              "retries succeeded")
        print(f"duplicates in the store: {result['duplicates']}; catalog/store drift: {result['drift']}")
    return 0 if soak_passed(result) else 1


def webhooks(args: argparse.Namespace) -> int:
    import uvicorn

    from pod_pipeline.defs.environment import catalog_resource
    from pod_pipeline.observability import configure_process_logging, init_sentry
    from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app
    from pod_pipeline.webhooks.deadlines import header_deadline_protocol

    configure_process_logging()  # POD_LOG_FORMAT / POD_LOG_LEVEL
    init_sentry()  # only when SENTRY_DSN is set
    secret = os.environ.get("GELATO_WEBHOOK_SECRET", "")
    if not secret:
        print("GELATO_WEBHOOK_SECRET is not set: generate one (e.g. `openssl rand -hex 32`), set it here and as "
              "the custom header's value in Gelato's webhook settings", file=sys.stderr)
        return 2
    header = os.environ.get("GELATO_WEBHOOK_HEADER", "signature")
    app = create_webhook_app(catalog_resource(os.environ).open, secret, header, args.max_body_bytes)
    print(f"Gelato webhooks: POST http://{args.host}:{args.port}{WEBHOOK_PATH} (header {header!r}); "
          f"GET /health, /openapi.json", flush=True)
    # Bounded by connections, idle time and the time to send headers (the app bounds the body),
    # so slow or piled-up clients cannot exhaust it; headers larger than 16 kB are refused
    # (Gelato sends a few hundred bytes).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_keep_alive=5,
                limit_concurrency=args.max_connections, h11_max_incomplete_event_size=16 * 1024,
                http=header_deadline_protocol(args.header_seconds))
    return 0


def dev(args: argparse.Namespace) -> int:
    """Sandbox + bucket server in this process, `dagster dev` as a child with the right env."""
    from pod_pipeline.artwork.samples import write_sample_set
    from pod_pipeline.tools.demo import DemoEnvironment, put_into_bucket
    from pod_pipeline.tools.instance_config import write_embedded_instance
    from pod_pipeline.tools.sandbox.config import SandboxConfig
    from pod_pipeline.tools.sandbox.server import SandboxServer
    from pod_pipeline.tools.serving import BackgroundServer
    from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app

    from pod_pipeline.tools.dagster_services import default_stop_signals, dev_child_environment

    env = DemoEnvironment(home=Path(args.home).resolve())
    write_embedded_instance(env.dagster_home)
    with SandboxServer(SandboxConfig(publish_delay_seconds=args.publish_delay), port=args.sandbox_port) as sandbox, \
            BackgroundServer(create_bucket_app(env.bucket_dir), port=args.bucket_port) as bucket:
        env.sandbox_url, env.bucket_url = sandbox.base_url, bucket.base_url + BUCKET_MOUNT
        if args.samples:
            samples = env.home / "samples"
            samples.mkdir(parents=True, exist_ok=True)
            put_into_bucket(write_sample_set(samples), env.bucket_dir)
        print(f"Gelato sandbox on {sandbox.base_url}; bucket {env.bucket_dir} served at {env.bucket_url}")
        print(f"Drop artworks into {env.bucket_dir}/<owner>/ and watch the upload sensor pick them up.")
        child_env = dev_child_environment(os.environ, env.environ())
        # Services log warnings and above: the daemon's INFO line every few seconds says nothing.
        command = [sys.executable, "-m", "dagster", "dev", "-w", str(Path("workspace.yaml").resolve()),
                   "-p", str(args.port), "--log-level", "warning"]
        # Started in the background (`&`, nohup, some supervisors) this process inherits an ignored
        # SIGINT; dagster dev copies SIGINT's disposition to SIGTERM, so its child would ignore the
        # SIGTERM meant to stop it. It starts with both at their defaults instead.
        # Run from the instance folder: the repository root's dagster.yaml (the same development
        # instance) would otherwise draw a "DAGSTER_HOME is set elsewhere" warning.
        child = subprocess.Popen(command, env=child_env, cwd=env.dagster_home, preexec_fn=default_stop_signals)
        # SIGTERM (e.g. from a supervisor) must stop dagster dev too, not orphan it.
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.terminate()
            return child.wait()


def screenshots(args: argparse.Namespace) -> int:
    """A fresh demo, the UI served on its instance, and the README's pictures of it."""
    import socket
    import tempfile

    from pod_pipeline.tools.browser import demo_pages, visit
    from pod_pipeline.tools.dagster_services import webserver
    from pod_pipeline.tools.demo import run_demo

    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="pod-screenshots-"))
    results, env = run_demo(None, home, publish_delay=0.3)
    published = next(r["artwork_id"] for r in results if r["status"] == "published")
    rejected = next(r["artwork_id"] for r in results if r["status"] == "rejected" and "not an image" in r["reason"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with webserver(env.environ(), port, home / "webserver.log") as base:
        pages = visit(base, demo_pages(published, rejected), out_dir=Path(args.out))
    for page in pages:
        print(page.screenshot)
    return 0


def validate_settings(args: argparse.Namespace) -> int:
    from pod_pipeline.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.path)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"settings OK: store {settings.store_id}, {len(settings.templates)} templates, "
          f"{len(settings.markets)} markets")
    return 0


def doctor(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.doctor import exit_code, render_text, report_json, run_doctor

    results, mode = run_doctor(os.environ, timeout_seconds=args.timeout)
    print(json.dumps(report_json(results, mode), indent=2) if args.json else render_text(results, mode))
    return exit_code(results)


def bench_artwork_memory(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pod_pipeline.artwork.memory_probe import measure_peak_memory

    result = measure_peak_memory(args.size, args.size, args.orientation)
    print(json.dumps({**asdict(result), "peak_rss_mib": round(result.peak_rss_bytes / 2**20, 1)})
          if args.json else result.describe())
    return 0


def bench_artwork_step(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.artwork_step import measure_artwork_step

    print(json.dumps(measure_artwork_step(args.size, args.orientation)))
    return 0


def bench_sensor(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.sensor_scan import measure_sensor_scan

    report = measure_sensor_scan(args.existing, args.new, args.database_url)
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    return 0


def bench_scale(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.scale import measure_scale

    report = measure_scale(args.artworks, args.database_url)
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    return 0


def bench_copy(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.copy_cost import measure_copy_cost

    print(json.dumps(measure_copy_cost(args.model), indent=2))
    return 0


def bench_reprice(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.reprice import measure_reprice

    report = measure_reprice(args.artworks, args.catalog, args.partitions)
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    return 0


def bench_print_files(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.print_files import measure_print_files

    report = measure_print_files(args.size, args.runs)
    print(json.dumps(report, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    goals = report["goals"]
    return 0 if (report["ratio"] <= goals["ratio_at_most"]
                 and report["pipeline_peak_above_decoded_mib"] <= goals["peak_above_decoded_at_most_mib"]) else 1


def bench_storefront(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.storefront import measure_storefront

    rows = measure_storefront(args.products, args.variants, args.throttle)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(" ".join(f"{key}={value}" for key, value in row.items()))
    return 0 if all(row["prices_lost"] == 0 and row["prices_failed"] == 0 for row in rows) else 1


def bench_publish(args: argparse.Namespace) -> int:
    from pod_pipeline.tools.benchmarks.publish import run_publish_bench

    report = run_publish_bench(args.artworks, latency=args.latency, concurrency=args.concurrency,
                               batch_size=args.batch_size, workers=args.workers, instance=args.instance)
    if args.json:
        print(json.dumps(report))
    else:
        breakdown = report.pop("breakdown")
        print("\n".join(f"{k}: {v}" for k, v in report.items()))
        print(f"side by side: pipeline {report['wall_seconds']} s; bare client floor {report['floor_seconds']} s "
              f"({report['ratio_to_floor']}×); floor with the domain work {report['domain_floor_seconds']} s "
              f"({report['ratio_to_domain_floor']}×)")
        print(f"where the {breakdown['runs']} runs' {breakdown['run_seconds']} s went (summed over runs; the "
              f"sensors ticked for {breakdown['sensor_tick_seconds']} s besides):")
        for name, part in breakdown["parts"].items():
            print(f"  {name:<42} {part['seconds']:>8.2f} s  {100 * part['share']:5.1f}%")
        print(f"CPU while the clocks ran ({os.cpu_count()} cores):")
        for side, key in (("pipeline", "cpu_seconds"), ("floor with the domain work", "domain_floor_cpu_seconds"),
                          ("bare client floor", "floor_cpu_seconds")):
            parts = report[key]
            print(f"  {side:<28} {sum(parts.values()):>7.1f} s  (" + ", ".join(
                f"{name} {seconds:.1f}" for name, seconds in parts.items()) + ")")
    return 0 if report["published"] == report["artworks"] else 1


def price_sheet(args: argparse.Namespace) -> int:
    from pod_pipeline.defs.environment import catalog_resource
    from pod_pipeline.pricing.price_sheet import write_price_sheets
    from pod_pipeline.settings import load_settings

    seller = load_settings(args.settings)
    paths = write_price_sheets(catalog_resource(os.environ).open(), seller.store_id, Path(args.out), args.currency)
    for path, rows in paths:
        print(f"{path}: {rows} prices")
    if not paths:
        print("no prices stored yet", file=sys.stderr)
    return 0


def copy_batch(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from pod_pipeline.tools.bulk_copy import prefill_copy_cache
    from pod_pipeline.definitions import defs

    with DagsterInstance.get() as instance:
        print(json.dumps(prefill_copy_cache(defs, instance, args.partition), indent=2))
    return 0
