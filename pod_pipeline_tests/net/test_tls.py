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
