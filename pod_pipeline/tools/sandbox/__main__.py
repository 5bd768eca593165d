"""`python -m pod_pipeline.tools.sandbox --port 8790`: a local Gelato for development."""

from __future__ import annotations

import argparse

from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pod_pipeline.tools.sandbox",
        description="Run a local Gelato API sandbox (seeded templates, store products, prices).",
    )
    defaults = SandboxConfig()
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8790, help="port to listen on (default: %(default)s)")
    parser.add_argument("--api-key", default=defaults.api_key, help="accepted X-API-KEY (default: %(default)s)")
    parser.add_argument("--publish-delay", type=float, default=defaults.publish_delay_seconds,
                        help="seconds from create to active/publishing_error (default: %(default)s)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every Gelato call")
    parser.add_argument("--rate-429", type=float, default=0.0, help="share of Gelato calls answered 429")
    parser.add_argument("--retry-after", type=float, default=None, help="Retry-After seconds on 429s")
    parser.add_argument("--rate-5xx", type=float, default=0.0, help="share of Gelato calls answered 500/502/503")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault dice")
    parser.add_argument("--store-id", action="append", default=[], help="extra accepted store id (repeatable)")
    parser.add_argument("--webhook-url", default=None, help="POST store product events here")
    parser.add_argument("--webhook-header", default=defaults.webhook_header_name, help="static webhook header name")
    parser.add_argument("--webhook-secret", default=None, help="static webhook header value")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        api_key=args.api_key,
        publish_delay_seconds=args.publish_delay,
        latency_seconds=args.latency,
        rate_429=args.rate_429,
        retry_after_seconds=args.retry_after,
        rate_5xx=args.rate_5xx,
        seed=args.seed,
        extra_store_ids=args.store_id,
        webhook_url=args.webhook_url,
        webhook_header_name=args.webhook_header,
        webhook_secret=args.webhook_secret,
    )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    serve(config_from_args(args), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
