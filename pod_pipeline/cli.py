"""`pod-pipeline`: the command line. Every subcommand has --help."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    import time

    from pod_pipeline.demo import default_home, run_demo

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
              f"{env.webhooks} Gelato webhooks delivered")
        print(f"Gelato calls: {json.dumps(env.gelato_calls)}")
        print(f"Dagster instance: DAGSTER_HOME={env.dagster_home}")
        print(f"Browse it: DAGSTER_HOME={env.dagster_home} POD_CATALOG_URL={env.catalog_url} "
              f"POD_BUCKET_DIR={env.bucket_dir} dagster dev -w workspace.yaml")
    from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES

    return 0 if all(r["status"] in FINAL_ARTWORK_STATUSES for r in results) else 1


def _sandbox(args: argparse.Namespace) -> int:
    from pod_pipeline.sandbox.config import SandboxConfig
    from pod_pipeline.sandbox.server import serve

    serve(SandboxConfig(publish_delay_seconds=args.publish_delay, api_key=args.api_key), host=args.host, port=args.port)
    return 0


def _bucket_server(args: argparse.Namespace) -> int:
    import uvicorn

    from pod_pipeline.storage.file_server import create_bucket_app

    uvicorn.run(create_bucket_app(Path(args.root)), host=args.host, port=args.port, log_level="warning")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from pod_pipeline.mode import build_resources
    from pod_pipeline.reconcile import describe, reconcile_store

    resources = build_resources(os.environ)
    seller = resources["settings"].load()
    gelato = resources["gelato"].process_config_and_initialize()  # resolves EnvVar secrets
    with gelato.client() as client:
        found, left = reconcile_store(resources["catalog"].open(), client, seller.store_id, seller.publishing,
                                      fix=args.fix, delete_ids=args.delete)
    if args.json:
        print(json.dumps({**found.to_json(), "drift_left": left.counts()}, indent=2))
    else:
        print(describe(found, left))
    return 0 if not left.drift else 1


def _soak(args: argparse.Namespace) -> int:
    from pod_pipeline.benchmarks.soak import DEFAULT_FAULTS, run_soak

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


def _webhooks(args: argparse.Namespace) -> int:
    import uvicorn

    from pod_pipeline.environment import catalog_resource
    from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

    secret = os.environ.get("GELATO_WEBHOOK_SECRET", "")
    if not secret:
        print("GELATO_WEBHOOK_SECRET is not set: generate one (e.g. `openssl rand -hex 32`), set it here and as "
              "the custom header's value in Gelato's webhook settings", file=sys.stderr)
        return 2
    header = os.environ.get("GELATO_WEBHOOK_HEADER", "signature")
    app = create_webhook_app(catalog_resource(os.environ).open, secret, header, args.max_body_bytes)
    print(f"Gelato webhooks: POST http://{args.host}:{args.port}{WEBHOOK_PATH} (header {header!r}); "
          f"GET /health, /openapi.json", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _dev(args: argparse.Namespace) -> int:
    """Sandbox + bucket server in this process, `dagster dev` as a child with the right env."""
    from pod_pipeline.artwork.samples import write_sample_set
    from pod_pipeline.demo import DemoEnvironment, put_into_bucket
    from pod_pipeline.instance_config import write_embedded_instance
    from pod_pipeline.sandbox.config import SandboxConfig
    from pod_pipeline.sandbox.server import SandboxServer
    from pod_pipeline.serving import BackgroundServer
    from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app

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
        child_env = {**os.environ, **env.environ()}
        command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(args.port)]
        child = subprocess.Popen(command, env=child_env)
        # SIGTERM (e.g. from a supervisor) must stop dagster dev too, not orphan it.
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.terminate()
            return child.wait()


def _validate_settings(args: argparse.Namespace) -> int:
    from pod_pipeline.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.path)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"settings OK: store {settings.store_id}, {len(settings.templates)} templates, "
          f"{len(settings.markets)} markets")
    return 0


def _bench_artwork_memory(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pod_pipeline.artwork.memory_probe import measure_peak_memory

    result = measure_peak_memory(args.size, args.size, args.orientation)
    print(json.dumps({**asdict(result), "peak_rss_mib": round(result.peak_rss_bytes / 2**20, 1)})
          if args.json else result.describe())
    return 0


def _bench_artwork_step(args: argparse.Namespace) -> int:
    from pod_pipeline.benchmarks.artwork_step import measure_artwork_step

    print(json.dumps(measure_artwork_step(args.size, args.orientation)))
    return 0


def _bench_sensor(args: argparse.Namespace) -> int:
    from pod_pipeline.benchmarks.sensor_scan import measure_sensor_scan

    report = measure_sensor_scan(args.existing, args.new, args.database_url)
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    return 0


def _bench_copy(args: argparse.Namespace) -> int:
    from pod_pipeline.benchmarks.copy_cost import measure_copy_cost

    print(json.dumps(measure_copy_cost(args.model), indent=2))
    return 0


def _bench_reprice(args: argparse.Namespace) -> int:
    from pod_pipeline.benchmarks.reprice import measure_reprice

    report = measure_reprice(args.artworks, args.catalog)
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
    return 0


def _price_sheet(args: argparse.Namespace) -> int:
    from pod_pipeline.environment import catalog_resource
    from pod_pipeline.pricing.price_sheet import write_price_sheets
    from pod_pipeline.settings import load_settings

    seller = load_settings(args.settings)
    paths = write_price_sheets(catalog_resource(os.environ).open(), seller.store_id, Path(args.out), args.currency)
    for path, rows in paths:
        print(f"{path}: {rows} prices")
    if not paths:
        print("no prices stored yet", file=sys.stderr)
    return 0


def _copy_batch(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from pod_pipeline.bulk_copy import prefill_copy_cache
    from pod_pipeline.definitions import defs

    with DagsterInstance.get() as instance:
        print(json.dumps(prefill_copy_cache(defs, instance, args.partition), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pod-pipeline", description="Artwork uploads in, print-on-demand products out.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="Run the whole flow on embedded defaults (no services, no keys).",
                               description="Start the Gelato sandbox and a local bucket, upload artworks, and "
                               "drive the upload sensor and Dagster runs until every artwork is published or rejected.")
    demo.add_argument("--artworks", help="Folder of artworks to upload (default: the bundled sample set).")
    demo.add_argument("--json", action="store_true", help="Print a JSON array, one object per artwork.")
    demo.add_argument("--home", help="Folder for the instance, bucket and catalog (default: .pod/demo/<time>).")
    demo.add_argument("--publish-delay", type=float, default=1.0, help="Sandbox seconds from create to live.")
    demo.add_argument("--timeout", type=float, default=600.0, help="Give up after this many seconds.")
    demo.set_defaults(func=_demo)

    dev = commands.add_parser("dev", help="The same flow with the Dagster UI (dagster dev + sandbox + bucket).",
                              description="Start the Gelato sandbox and the local bucket server, then `dagster dev`.")
    dev.add_argument("--home", default=".pod/dev", help="Folder for the instance, bucket and catalog.")
    dev.add_argument("--port", type=int, default=3000, help="Dagster UI port.")
    dev.add_argument("--sandbox-port", type=int, default=8790)
    dev.add_argument("--bucket-port", type=int, default=8791)
    dev.add_argument("--publish-delay", type=float, default=2.0)
    dev.add_argument("--samples", action="store_true", help="Upload the bundled sample artworks at start.")
    dev.set_defaults(func=_dev)

    sandbox = commands.add_parser("sandbox", help="Run the Gelato sandbox (a local Gelato API) in the foreground.",
                                  description="Serve Gelato's templates, store products and prices APIs locally.")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8790)
    sandbox.add_argument("--api-key", default="sandbox-key", help="Value X-API-KEY must carry.")
    sandbox.add_argument("--publish-delay", type=float, default=2.0, help="Seconds from create to live.")
    sandbox.set_defaults(func=_sandbox)

    bucket = commands.add_parser("bucket-server", help="Serve a local bucket folder over HTTP for Gelato to fetch.",
                                 description="Serve <root> at /bucket/ (plain GETs, like a signed URL).")
    bucket.add_argument("--root", default=".pod/bucket")
    bucket.add_argument("--host", default="127.0.0.1")
    bucket.add_argument("--port", type=int, default=8791)
    bucket.set_defaults(func=_bucket_server)

    hooks = commands.add_parser(
        "webhooks", help="Receive Gelato webhooks: verify, store each event once, answer at once.",
        description="An ASGI receiver for Gelato's store_product_* and template events. Needs GELATO_WEBHOOK_SECRET "
        "(the static header value set in Gelato's dashboard; header name GELATO_WEBHOOK_HEADER, default "
        "'signature') and stores events in the catalog (POD_CATALOG_URL).")
    hooks.add_argument("--host", default="127.0.0.1")
    hooks.add_argument("--port", type=int, default=8792)
    hooks.add_argument("--max-body-bytes", type=int, default=256 * 1024)
    hooks.set_defaults(func=_webhooks)

    reconcile = commands.add_parser(
        "reconcile", help="Compare the catalog with the Gelato store; --fix repairs the catalog.",
        description="Reads the whole store product list (paged) and reports drift: missing, status, duplicate, "
        "extra, unfinished. --fix repairs the catalog from the store (never deletes store products); --delete ID "
        "deletes that store product (only duplicates or extras). Exit status 1 while drift is left.")
    reconcile.add_argument("--fix", action="store_true", help="Repair the catalog from the store's truth.")
    reconcile.add_argument("--delete", action="append", metavar="GELATO_PRODUCT_ID", default=[],
                           help="Delete this store product (repeatable); refused for a catalog product.")
    reconcile.add_argument("--json", action="store_true")
    reconcile.set_defaults(func=_reconcile)

    soak = commands.add_parser(
        "soak", help="Publish N artworks against a faulty Gelato sandbox, then reconcile.",
        description="The fault soak: N artworks through the real flow (sensors, runs, webhook receiver) against "
        "the sandbox with faults on, then a reconcile. Prints published/rejected/failed (with reasons), "
        "duplicates, drift and Gelato calls per product. Exit status 1 unless 0 duplicates, 0 drift and every "
        "artwork final with a reason.")
    soak.add_argument("--artworks", type=int, default=300)
    soak.add_argument("--json", action="store_true")
    soak.add_argument("--home", help="Keep the run here (default: a temporary folder).")
    soak.add_argument("--timeout", type=float, default=3600.0, help="Give up after this many seconds.")
    for knob in ("rate_5xx", "rate_429", "rate_lost_create", "rate_publishing_error", "rate_webhook_drop",
                 "rate_webhook_duplicate", "rate_webhook_delay"):
        soak.add_argument("--" + knob.replace("_", "-"), dest=knob, type=float, help="Override the default rate.")
    soak.set_defaults(func=_soak)

    settings = commands.add_parser("validate-settings", help="Check a settings file and name any bad field.",
                                   description="Validate the seller settings YAML (default: POD_SETTINGS or bundled).")
    settings.add_argument("path", nargs="?")
    settings.set_defaults(func=_validate_settings)

    from pod_pipeline.db import migrate as db_migrate

    db = commands.add_parser("db", help="The Supabase database.", description="Supabase database tasks.")
    db_commands = db.add_subparsers(dest="db", required=True)
    migrate = db_commands.add_parser(
        "migrate", help="Apply supabase/migrations (once each, in order).",
        description="Apply supabase/migrations to --database-url, else $SUPABASE_DB_URL, else $DATABASE_URL.")
    db_migrate.add_arguments(migrate)
    migrate.set_defaults(func=db_migrate.run)

    copy = commands.add_parser("copy-batch", help="Write listing copy for many artworks via Message Batches.",
                               description="Send the artworks whose copy is not cached to Claude as Message "
                               "Batches (half price) and cache the results; then materialize `metadata` (e.g. a "
                               "backfill) and it makes no API call. Uses the instance in DAGSTER_HOME.")
    copy.add_argument("--partition", action="append", help="Artwork partition key (repeatable; default: all).")
    copy.set_defaults(func=_copy_batch)

    sheet = commands.add_parser(
        "price-sheet", help="Export stored prices as CSV, one file per currency.",
        description="Gelato has no API to set retail prices: export what the catalog holds (POD_CATALOG_URL) "
        "to enter in the store (Shopify/Etsy bulk edit), one CSV per store and currency.")
    sheet.add_argument("--out", default="price-sheets", help="Folder for the CSV files.")
    sheet.add_argument("--currency", default=None, help="Only this currency (default: every one).")
    sheet.add_argument("--settings", default=None, help="Settings file (default: POD_SETTINGS or the bundled one).")
    sheet.set_defaults(func=_price_sheet)

    bench = commands.add_parser("bench", help="Benchmarks the project keeps.", description="Benchmarks.")
    benches = bench.add_subparsers(dest="bench", required=True)
    memory = benches.add_parser("artwork-memory", help="Peak memory of artwork processing on a big PNG.",
                                description="Process a generated N×N PNG in a fresh process and print peak RSS.")
    memory.add_argument("--size", type=int, default=10_000, help="Width and height in px.")
    memory.add_argument("--orientation", type=int, default=1, choices=range(1, 9),
                        help="EXIF orientation to embed; not 1 forces a normalised print file.")
    memory.add_argument("--json", action="store_true")
    memory.set_defaults(func=_bench_artwork_memory)
    step = benches.add_parser("artwork-step", help="Peak memory of the Dagster artworks step on a big PNG.",
                              description="Materialize the real `artworks` asset for a generated N×N PNG in a "
                              "fresh process and print its peak RSS (Dagster included).")
    step.add_argument("--size", type=int, default=10_000, help="Width and height in px.")
    step.add_argument("--orientation", type=int, default=1, choices=range(1, 9),
                      help="EXIF orientation to embed; not 1 forces a normalised print file.")
    step.set_defaults(func=_bench_artwork_step)
    scan = benches.add_parser("sensor", help="Sensor tick time to find new uploads among existing objects.",
                              description="Fill a throw-away database's storage.objects with N objects, add M "
                              "uploads, and time the tick that finds them (local Postgres).")
    scan.add_argument("--existing", type=int, default=100_000)
    scan.add_argument("--new", type=int, default=100)
    scan.add_argument("--database-url", default=None, help="Server to make the throw-away database on.")
    scan.add_argument("--json", action="store_true")
    scan.set_defaults(func=_bench_sensor)
    copy = benches.add_parser("copy", help="Claude copy cost on the sample set (computed, no API call).",
                              description="Input tokens per sample artwork from the image and text actually "
                              "sent, and the estimated cost per 1,000 artworks, synchronous vs batched.")
    copy.add_argument("--model", default="claude-haiku-5-5")
    copy.set_defaults(func=_bench_copy)
    reprice = benches.add_parser("reprice", help="Re-pricing a whole catalog vs Dagster's bookkeeping floor.",
                                 description="Seed N artworks with their variants and prices into a fresh instance "
                                 "and catalog, move 10%% of Gelato's unit costs, re-price as the schedule does, and "
                                 "time a no-op single-run asset over the same partitions beside it.")
    reprice.add_argument("--artworks", type=int, default=10_000)
    reprice.add_argument("--catalog", choices=["postgres", "sqlite"], default="postgres",
                         help="postgres: a throw-away database on the local server (migrated); sqlite: a file.")
    reprice.add_argument("--json", action="store_true")
    reprice.set_defaults(func=_bench_reprice)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
