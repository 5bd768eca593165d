"""One TLS context per process, shared by every httpx client.

httpx builds a fresh context for each client it makes, loading the whole CA bundle: 36 ms on this
machine. Sensors build their Gelato client every tick and each run step builds its own, so in
`bench publish` that load was nearly a third of the status sensor's tick. A context is safe to share
between threads and clients; it is made the way httpx makes its default (certifi's bundle, or
SSL_CERT_FILE / SSL_CERT_DIR when set)."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
