"""Every HTTP client of the pipeline shares one TLS context: httpx would load the CA bundle for
each client (tens of ms), and sensors and steps make a client each time."""

from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.net.tls import shared_tls_context
from pod_pipeline.storage.supabase import SupabaseStorage
from pod_pipeline.storefronts.base import StorefrontClient


def context_of(http_client):
    return http_client._transport._pool._ssl_context  # httpx's own, read-only here


def test_gelato_storefront_and_storage_clients_share_one_verifying_context():
    context = shared_tls_context()
    assert context.check_hostname and context.verify_mode.name == "CERT_REQUIRED"
    with GelatoClient("key") as first, GelatoClient("other-key") as second:
        assert context_of(first._http) is context and context_of(second._http) is context
    storefront = StorefrontClient({}, [], timeout_seconds=5, max_attempts=1, backoff_base=0.1, backoff_max=0.1)
    assert context_of(storefront._http) is context
    storage = SupabaseStorage.__new__(SupabaseStorage)
    storage._http_client, storage._own_http_client = None, None
    assert context_of(storage._client()) is context


def test_the_print_url_check_loads_no_ca_bundle_of_its_own(monkeypatch):
    """`fetch_problems` runs once per artwork in every batch; a bundle load each was ~35 ms."""
    import ssl

    import httpx
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from pod_pipeline.defs.publishing.checks import fetch_problems
    from pod_pipeline.tools.serving import BackgroundServer

    shared_tls_context()  # made once per process, before the count starts
    loads = []  # contexts httpx builds itself (verify=True loads certifi's bundle)
    real = httpx._transports.default.create_ssl_context

    def counting(verify=True, **kwargs):
        if not isinstance(verify, ssl.SSLContext):
            loads.append(verify)
        return real(verify=verify, **kwargs)

    monkeypatch.setattr(httpx._transports.default, "create_ssl_context", counting)
    app = Starlette(routes=[Route("/a.png", lambda request: Response(b"png", media_type="image/png"))])
    with BackgroundServer(app) as server:
        assert fetch_problems(server.base_url + "/a.png", "image/png") == []
        assert fetch_problems(server.base_url + "/a.png", "image/jpeg") != []
    assert loads == []
