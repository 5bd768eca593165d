"""`pod-pipeline`: the command line. Every subcommand has --help."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pod_pipeline.settings.mode import DEV_BUCKET_DIR, DEV_BUCKET_PORT, DEV_HOME
from pod_pipeline.tools import commands


class _Help(argparse.HelpFormatter):
    """An option's help ends with its default, when it has one worth saying (not an off flag)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pod-pipeline", description="Artwork uploads in, print-on-demand products out. "
                                     "Reads ./.env first (as `dagster dev` does); set variables win over it.")
    subcommands = parser.add_subparsers(dest="command", required=True)

    demo = subcommands.add_parser("demo", help="Run the whole flow on embedded defaults (no services, no keys).",
                               description="Start the Gelato sandbox and a local bucket, upload artworks, and "
                               "drive the upload sensor and Dagster runs until every artwork is published or rejected.")
    demo.add_argument("--artworks", help="Folder of artworks to upload (default: the bundled sample set).")
    demo.add_argument("--json", action="store_true", help="Print a JSON array, one object per artwork.")
    demo.add_argument("--home", help="Folder for the instance, bucket and catalog (default: .pod/demo/<time>).")
    demo.add_argument("--publish-delay", type=float, default=1.0, help="Sandbox seconds from create to live.")
    demo.add_argument("--timeout", type=float, default=600.0, help="Give up after this many seconds.")
    demo.set_defaults(func=commands.demo)

    shots = subcommands.add_parser(
        "screenshots", help="Run a demo, open the Dagster UI on it in headless chromium, and save screenshots.",
        description="The README's pictures: the asset graph, a published artwork's listing, prices and products, "
        "and a rejected upload. Needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH.")
    shots.add_argument("--out", default="docs/screenshots", help="Folder for the PNG files.")
    shots.add_argument("--home", help="Folder for the demo (default: a temporary folder).")
    shots.set_defaults(func=commands.screenshots)

    dev = subcommands.add_parser("dev", help="The same flow with the Dagster UI (dagster dev + sandbox + bucket).",
                              description="Start the Gelato sandbox and the local bucket server, then `dagster dev`.")
    dev.add_argument("--home", default=DEV_HOME, help="Folder for the instance, bucket and catalog.")
    dev.add_argument("--port", type=int, default=3000, help="Dagster UI port.")
    dev.add_argument("--sandbox-port", type=int, default=8790, help="Port of the Gelato sandbox.")
    dev.add_argument("--bucket-port", type=int, default=DEV_BUCKET_PORT, help="Port of the bucket server Gelato fetches from.")
    dev.add_argument("--publish-delay", type=float, default=2.0, help="Sandbox seconds from create to live.")
    dev.add_argument("--samples", action="store_true", help="Upload the bundled sample artworks at start.")
    dev.set_defaults(func=commands.dev)

    sandbox = subcommands.add_parser("sandbox", help="Run the Gelato sandbox (a local Gelato API) in the foreground.",
                                  description="Serve Gelato's templates, store products and prices APIs locally.")
    sandbox.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    sandbox.add_argument("--port", type=int, default=8790, help="Port to listen on.")
    sandbox.add_argument("--api-key", default="sandbox-key", help="Value X-API-KEY must carry.")
    sandbox.add_argument("--publish-delay", type=float, default=2.0, help="Seconds from create to live.")
    sandbox.set_defaults(func=commands.sandbox)

    bucket = subcommands.add_parser("bucket-server", help="Serve a local bucket folder over HTTP for Gelato to fetch.",
                                 description="Serve <root> at /bucket/ (plain GETs, like a signed URL).")
    bucket.add_argument("--root", default=DEV_BUCKET_DIR, help="The bucket folder (<owner>/<file>).")
    bucket.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    bucket.add_argument("--port", type=int, default=DEV_BUCKET_PORT, help="Port to listen on.")
    bucket.set_defaults(func=commands.bucket_server)

    hooks = subcommands.add_parser(
        "webhooks", help="Receive Gelato webhooks: verify, store each event once, answer at once.",
        description="An ASGI receiver for Gelato's store_product_* and template events. Needs GELATO_WEBHOOK_SECRET "
        "(the static header value set in Gelato's dashboard; header name GELATO_WEBHOOK_HEADER, default "
        "'signature') and stores events in the catalog (POD_CATALOG_URL).")
    hooks.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    hooks.add_argument("--port", type=int, default=8792, help="Port to listen on.")
    hooks.add_argument("--max-body-bytes", type=int, default=256 * 1024,
                       help="Larger bodies are refused with 413 (Gelato's events are a few kB).")
    hooks.add_argument("--max-connections", type=int, default=200,
                       help="Connections served at once; more are answered 503 (Gelato retries).")
    hooks.add_argument("--header-seconds", type=float, default=10.0,
                       help="A request whose headers take longer is answered 408 and its connection closed.")
    hooks.set_defaults(func=commands.webhooks)

    reconcile = subcommands.add_parser(
        "reconcile", help="Compare the catalog with the Gelato store and the storefront's prices; --fix repairs both.",
        description="Reads the whole store product list (paged) and reports drift: missing, status, duplicate, "
        "extra, unfinished; then, for a store that pushes prices, every live variant whose storefront price differs "
        "from the catalog's. --fix repairs the catalog from the store (never deletes store products) and pushes the "
        "differing prices again; --delete ID deletes that store product (only duplicates or extras). Exit status 1 "
        "while drift is left.")
    reconcile.add_argument("--fix", action="store_true",
                           help="Repair the catalog from the store's truth; push differing storefront prices again.")
    reconcile.add_argument("--delete", action="append", metavar="GELATO_PRODUCT_ID", default=[],
                           help="Delete this store product (repeatable); refused for a catalog product.")
    reconcile.add_argument("--json", action="store_true", help="Print the drift as JSON.")
    reconcile.set_defaults(func=commands.reconcile)

    soak = subcommands.add_parser(
        "soak", help="Publish N artworks against a faulty Gelato sandbox, then reconcile.",
        description="The fault soak: N artworks through the real flow (sensors, runs, webhook receiver) against "
        "the sandbox with faults on, then a reconcile. Prints published/rejected/failed (with reasons), "
        "duplicates, drift and Gelato calls per product. Exit status 1 unless 0 duplicates, 0 drift and every "
        "artwork final with a reason.")
    soak.add_argument("--artworks", type=int, default=300, help="How many artworks to publish.")
    soak.add_argument("--json", action="store_true", help="Print the report as JSON.")
    soak.add_argument("--home", help="Keep the run here (default: a temporary folder).")
    soak.add_argument("--timeout", type=float, default=3600.0, help="Give up after this many seconds.")
    for knob in ("rate_5xx", "rate_429", "rate_lost_create", "rate_publishing_error", "rate_webhook_drop",
                 "rate_webhook_duplicate", "rate_webhook_delay"):
        soak.add_argument("--" + knob.replace("_", "-"), dest=knob, type=float,
                          help="Share of calls (0-1) with this fault; default: the soak's own rate.")
    soak.set_defaults(func=commands.soak)

    celery = subcommands.add_parser(
        "soak-celery", help="Publish N artworks on Celery workers and the Dagster daemon, killing run workers.",
        description="The deployment's Celery option for real (deploy/celery: Postgres instance, Celery run launcher, "
        "run monitoring and retries): RabbitMQ on 127.0.0.1:5672 and PostgreSQL on 127.0.0.1:5432, `dagster-celery "
        "worker` processes and the `dagster-daemon`, the Gelato sandbox. K publishing runs are SIGKILLed among "
        "their creates; the daemon must retry them. Exit status 1 unless every artwork is final, every killed run "
        "was failed by run monitoring and retried, and the store has 0 duplicates and 0 drift.")
    celery.add_argument("--artworks", type=int, default=12, help="How many artworks to publish.")
    celery.add_argument("--workers", type=int, default=2, help="Celery worker processes to start.")
    celery.add_argument("--processes", type=int, default=2, help="Pool processes per worker (runs at once).")
    celery.add_argument("--kills", type=int, default=2, help="Publishing runs to SIGKILL mid-create.")
    celery.add_argument("--batch-size", type=int, default=3, help="New artworks per publishing run.")
    celery.add_argument("--max-concurrent-runs", type=int, default=3, help="The run queue's limit.")
    celery.add_argument("--json", action="store_true", help="Print the report as JSON.")
    celery.add_argument("--home", help="Keep the run here (default: a temporary folder).")
    celery.add_argument("--timeout", type=float, default=900.0, help="Give up after this many seconds.")
    celery.set_defaults(func=commands.soak_celery)

    settings = subcommands.add_parser("validate-settings", help="Check a settings file and name any bad field.",
                                   description="Validate the seller settings YAML (default: POD_SETTINGS or bundled).")
    settings.add_argument("path", nargs="?", help="The settings YAML (default: POD_SETTINGS, else the bundled one).")
    settings.set_defaults(func=commands.validate_settings)

    doctor = subcommands.add_parser(
        "doctor", help="Check configuration, database, storage, Gelato and Anthropic; say what to fix.",
        description="Check every part the environment configures (variables, settings, Dagster instance, catalog "
        "and its migrations, storage, Gelato key/store/templates, Anthropic key, webhook secret, Sentry DSN) and "
        "print what is wrong and how to fix it. No secret is printed. Exit status 1 when a check fails.")
    doctor.add_argument("--json", action="store_true", help="Print one JSON object (ok, mode, summary, checks).")
    doctor.add_argument("--timeout", type=float, default=10.0, help="Seconds per network call.")
    doctor.set_defaults(func=commands.doctor)

    from pod_pipeline.tools.db import migrate as db_migrate

    db = subcommands.add_parser("db", help="The Supabase database.", description="Supabase database tasks.")
    db_subcommands = db.add_subparsers(dest="db", required=True)
    migrate = db_subcommands.add_parser(
        "migrate", help="Apply supabase/migrations (once each, in order).",
        description="Apply supabase/migrations to --database-url, else $SUPABASE_DB_URL, else $DATABASE_URL.")
    db_migrate.add_arguments(migrate)
    migrate.set_defaults(func=db_migrate.run)

    copy = subcommands.add_parser("copy-batch", help="Write listing copy for many artworks via Message Batches.",
                               description="Send the artworks whose copy is not cached to Claude as Message "
                               "Batches (half price) and cache the results; then materialize `listing` (e.g. a "
                               "backfill) and it makes no API call. Uses the instance in DAGSTER_HOME.")
    copy.add_argument("--partition", action="append", help="Artwork partition key (repeatable; default: all).")
    copy.set_defaults(func=commands.copy_batch)

    sheet = subcommands.add_parser(
        "price-sheet", help="Export stored prices as CSV, one file per currency.",
        description="Gelato has no API to set retail prices: export what the catalog holds (POD_CATALOG_URL) "
        "to enter in the store (Shopify/Etsy bulk edit), one CSV per store and currency.")
    sheet.add_argument("--out", default="price-sheets", help="Folder for the CSV files.")
    sheet.add_argument("--currency", default=None, help="Only this currency (default: every one).")
    sheet.add_argument("--settings", default=None, help="Settings file (default: POD_SETTINGS or the bundled one).")
    sheet.set_defaults(func=commands.price_sheet)

    bench = subcommands.add_parser("bench", help="Benchmarks the project keeps.", description="Benchmarks.")
    benches = bench.add_subparsers(dest="bench", required=True)
    memory = benches.add_parser("artwork-memory", help="Peak memory of artwork processing on a big PNG.",
                                description="Process a generated N×N PNG in a fresh process and print peak RSS.")
    memory.add_argument("--size", type=int, default=10_000, help="Width and height in px.")
    memory.add_argument("--orientation", type=int, default=1, choices=range(1, 9),
                        help="EXIF orientation to embed; not 1 forces a normalised print file.")
    memory.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    memory.set_defaults(func=commands.bench_artwork_memory)
    step = benches.add_parser("artwork-step", help="Peak memory of the Dagster artworks step on a big PNG.",
                              description="Materialize the real `artworks` asset for a generated N×N PNG in a "
                              "fresh process and print its peak RSS (Dagster included).")
    step.add_argument("--size", type=int, default=10_000, help="Width and height in px.")
    step.add_argument("--orientation", type=int, default=1, choices=range(1, 9),
                      help="EXIF orientation to embed; not 1 forces a normalised print file.")
    step.set_defaults(func=commands.bench_artwork_step)
    scan = benches.add_parser("sensor", help="Sensor tick time to find new uploads among existing objects.",
                              description="Fill a throw-away database's storage.objects with N objects, add M "
                              "uploads, and time the tick that finds them (local Postgres).")
    scan.add_argument("--existing", type=int, default=100_000, help="Objects already in storage.objects.")
    scan.add_argument("--new", type=int, default=100, help="New uploads the tick must find.")
    scan.add_argument("--database-url", default=None, help="Server to make the throw-away database on.")
    scan.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    scan.set_defaults(func=commands.bench_sensor)
    scale = benches.add_parser("scale", help="What 100,000 artwork partitions cost the parts that grow with them.",
                               description="On a Dagster instance in a throw-away Postgres database: adding N "
                               "partitions, a materialization each, the upload sensor's tick, the `artworks` "
                               "asset page's GraphQL query, a partition retirement tick.")
    scale.add_argument("--artworks", type=int, default=100_000, help="Artwork partitions.")
    scale.add_argument("--database-url", default=None, help="Server to make the throw-away database on.")
    scale.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    scale.set_defaults(func=commands.bench_scale)
    copy = benches.add_parser("copy", help="Claude copy cost on the sample set (computed, no API call).",
                              description="Input tokens per sample artwork from the image and text actually "
                              "sent, and the estimated cost per 1,000 artworks, synchronous vs batched.")
    copy.add_argument("--model", default="claude-haiku-5-5", help="Model whose prices the estimate uses.")
    copy.set_defaults(func=commands.bench_copy)
    reprice = benches.add_parser("reprice", help="Re-pricing a whole catalog vs Dagster's bookkeeping floor.",
                                 description="Seed N artworks with their variants and prices into a fresh instance "
                                 "and catalog, move 10% of Gelato's unit costs, re-price as the schedule does, and "
                                 "time a no-op single-run asset over the same partitions beside it.")
    reprice.add_argument("--artworks", type=int, default=10_000, help="Artworks in the catalog.")
    reprice.add_argument("--partitions", type=int, default=None,
                         help="Artwork partitions in the instance (default: the artworks). Above them, only the "
                         "range runs over the seeded artworks run (artworks then a multiple of 10,000).")
    reprice.add_argument("--catalog", choices=["postgres", "sqlite"], default="postgres",
                         help="postgres: a throw-away database on the local server (migrated); sqlite: a file.")
    reprice.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    reprice.set_defaults(func=commands.bench_reprice)
    print_files = benches.add_parser(
        "print-files", help="Print files for a 10,000² px artwork on the bundled templates vs a Pillow-only floor.",
        description="Time and peak memory (each side in a fresh process) of the print files for one big artwork: "
        "the pipeline's (focal estimate, crops, stripes, bleed, encodes, contact sheet) beside a floor (decode "
        "once, the same resizes and encodes with Pillow directly). Goals: within 1.3x the floor; peak within the "
        "decoded image + 250 MB. Exit 1 when a goal is missed.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    print_files.add_argument("--size", type=int, default=10_000, help="Artwork width and height in pixels.")
    print_files.add_argument("--runs", type=int, default=1, help="Runs per side; the fastest counts.")
    print_files.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    print_files.set_defaults(func=commands.bench_print_files)
    storefront = benches.add_parser(
        "storefront", help="Price pushes to the Shopify and Etsy stand-ins under throttling vs none (the floor).",
        description="Seed N live products × V variants, push every price as storefront_prices does, re-price 10% "
        "of the variants and push again; per marketplace under the throttle rate, then with none. Prints wall "
        "time, calls per product and per re-priced variant, and prices lost (must be 0).")
    storefront.add_argument("--products", type=int, default=50, help="Live products.")
    storefront.add_argument("--variants", type=int, default=10, help="Variants per product.")
    storefront.add_argument("--throttle", type=float, default=0.3,
                            help="Share of requests answered THROTTLED (Shopify) or 429 (Etsy).")
    storefront.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    storefront.set_defaults(func=commands.bench_storefront)
    publish = benches.add_parser("publish", help="N artworks through the real flow vs the same Gelato calls "
                                 "made directly (the floor).",
                                 description="Wall time, artworks/minute, runs and Gelato calls per product of "
                                 "N artworks × the configured templates (sensor → runs → published) against a "
                                 "sandbox with a set latency, beside the floor: the same calls straight from "
                                 "the client with the same concurrency. Exit 1 unless every artwork is published.")
    publish.add_argument("--artworks", type=int, default=200, help="Artworks to publish.")
    publish.add_argument("--latency", type=float, default=0.1, help="seconds added to every Gelato call")
    publish.add_argument("--concurrency", type=int, default=4, help="Gelato calls in flight (both sides)")
    publish.add_argument("--batch-size", type=int, default=25, help="artworks per run (1: a run per artwork)")
    publish.add_argument("--workers", type=int, default=2, help="runs executed side by side")
    publish.add_argument("--instance", choices=["sqlite", "postgres"], default="sqlite",
                         help="Dagster's storage: SQLite in the folder, or a throw-away database on the local "
                         "Postgres server (as in production)")
    publish.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    publish.set_defaults(func=commands.bench_publish)
    _show_defaults(parser)
    return parser


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    """Every (sub)command's help ends each option with its default."""
    parser.formatter_class = _Help
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _show_defaults(child)


def load_dotenv_file(path: Path = Path(".env")) -> None:
    """`.env` in the working folder, as `dagster dev` reads it (README and .env.example invite a
    seller to fill it): variables already set in the environment win."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def main(argv: list[str] | None = None) -> int:
    load_dotenv_file()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
