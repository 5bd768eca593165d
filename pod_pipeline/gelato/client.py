"""Gelato API client on httpx + tenacity.

Reads are retried with exponential backoff and full jitter on 429, 5xx and network errors,
honouring Retry-After. The create POST is sent exactly once: Gelato has no idempotency key, so a
blind retry can publish a duplicate product. Its ambiguous failures surface as
`GelatoAmbiguousCreate` for the caller's reconcile path. Every attempt first waits for a slot in
the request budget shared with the other workers (`pod_pipeline.ratelimit`), when one is set.
"""

from __future__ import annotations

import logging
from collections import Counter
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from pod_pipeline.gelato.errors import (
    GelatoAmbiguousCreate,
    GelatoAuthError,
    GelatoClientError,
    GelatoError,
    GelatoNetworkError,
    GelatoNotFound,
    GelatoRateLimited,
    GelatoServerError,
)
from pod_pipeline.gelato.models import CreateFromTemplate, PriceTier, StoreProduct, Template
from pod_pipeline.ratelimit.backoff import wait_backoff_or_retry_after
from pod_pipeline.observability.scrubbing import Scrubber
from pod_pipeline.ratelimit import GELATO, NO_LIMIT, RateLimiter
from pod_pipeline.net.tls import shared_tls_context

log = logging.getLogger(__name__)

ECOMMERCE_URL = "https://ecommerce.gelatoapis.com/v1"
PRODUCT_URL = "https://product.gelatoapis.com/v3"
LIST_PAGE_MAX = 100


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no stated zone
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _not_processed(error: BaseException) -> bool:
    """Errors after which Gelato certainly did nothing with the request."""
    return isinstance(error, GelatoRateLimited) or (isinstance(error, GelatoNetworkError) and not error.request_sent)


def _error_for(response: httpx.Response, redact: Callable[[str], str]) -> GelatoError:
    """The error for a refused call. Whatever Gelato echoes (a body or message quoting the
    API key) is redacted here, at the boundary: the message and body travel into Dagster's
    event log, compute logs, run metadata, the catalog's reasons and Sentry."""
    request = response.request
    try:
        message = response.json().get("message") or response.text
    except (ValueError, AttributeError):
        message = response.text
    message, body = redact(str(message)), redact(response.text)
    where = f"{request.method} {request.url.path}"
    common = {"status": response.status_code, "body": body, "method": request.method, "url": redact(str(request.url))}
    text = f"Gelato answered {response.status_code} to {where}: {message}"
    if response.status_code == 429:
        return GelatoRateLimited(text, retry_after=_retry_after_seconds(response), **common)
    if response.status_code >= 500:
        return GelatoServerError(text, **common)
    if response.status_code in (401, 403):
        return GelatoAuthError(text + " (check GELATO_API_KEY and the store id)", **common)
    if response.status_code == 404:
        return GelatoNotFound(text, **common)
    return GelatoClientError(text, **common)


class RefusedStore(PermissionError):
    """A staging client asked for a production store: never sent."""


class GelatoClient:
    """One client per process (or per run); it owns an httpx connection pool."""

    def __init__(self, api_key: str, *, ecommerce_url: str = ECOMMERCE_URL, product_url: str = PRODUCT_URL,
                 timeout_seconds: float = 30.0, max_attempts: int = 5, backoff_base_seconds: float = 0.5,
                 backoff_max_seconds: float = 30.0, transport: httpx.BaseTransport | None = None,
                 rate_limiter: RateLimiter = NO_LIMIT, refused_store_ids: Iterable[str] = ()):
        if not api_key:
            raise ValueError("a Gelato API key is required (GELATO_API_KEY)")
        self._ecommerce_url = ecommerce_url.rstrip("/")
        self._product_url = product_url.rstrip("/")
        self._http = httpx.Client(
            headers={"X-API-KEY": api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
            transport=transport, verify=shared_tls_context(),
        )
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._rate_limiter = rate_limiter
        self._refused = frozenset(refused_store_ids)
        self._redact = Scrubber([api_key]).text
        self.calls: Counter[str] = Counter()
        self.retries = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GelatoClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------
    def _send_once(self, method: str, url: str, *, label: str, **kwargs: Any) -> httpx.Response:
        # Every attempt spends from the budget shared with the other workers: a retry is a
        # request like any other to Gelato's limit.
        self._rate_limiter.acquire(GELATO)
        self.calls[label] += 1
        try:
            response = self._http.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # `from None`: Dagster serializes an exception's cause into the event log too.
            raise GelatoNetworkError(f"cannot reach Gelato for {label}: {self._redact(str(exc))}",
                                     request_sent=False, method=method, url=url) from None
        except httpx.TransportError as exc:
            raise GelatoNetworkError(f"network error during {label}: {self._redact(repr(exc))}", request_sent=True,
                                     method=method, url=url) from None
        if response.is_error:
            raise _error_for(response, self._redact)
        return response

    def _note_retry(self, state: RetryCallState) -> None:
        self.retries += 1
        error = state.outcome.exception() if state.outcome else None
        log.warning("Gelato call failed (attempt %s), retrying: %s", state.attempt_number, error)

    def _send(self, method: str, url: str, *, label: str, retry_if: Callable[[BaseException], bool] | None = None,
              **kwargs: Any) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_backoff_or_retry_after(self._backoff_base, self._backoff_max),
            retry=retry_if_exception(retry_if or (lambda exc: isinstance(exc, GelatoError) and exc.retryable)),
            before_sleep=self._note_retry,
            reraise=True,
        )
        return retrying(self._send_once, method, url, label=label, **kwargs)

    # -- templates and prices ----------------------------------------------------------------
    def get_template(self, template_id: str) -> Template:
        response = self._send("GET", f"{self._ecommerce_url}/templates/{template_id}",
                              label="GET /v1/templates/{templateId}")
        return Template.model_validate(response.json())

    def get_prices(self, product_uid: str, country: str, currency: str) -> list[PriceTier]:
        response = self._send("GET", f"{self._product_url}/products/{product_uid}/prices",
                              params={"country": country, "currency": currency},
                              label="GET /v3/products/{productUid}/prices")
        return [PriceTier.model_validate(row) for row in response.json()]

    # -- store products ------------------------------------------------------------------------
    def _products_url(self, store_id: str) -> str:
        # Every store-scoped call passes here: the one place a staging client can be stopped.
        if store_id in self._refused:
            raise RefusedStore(f"store {store_id} is a production store: a staging run never calls it")
        return f"{self._ecommerce_url}/stores/{store_id}/products"

    def create_product(self, store_id: str, body: CreateFromTemplate) -> StoreProduct:
        """Send the create POST. It is resent only when Gelato provably did not process it (a
        429, or a connection that never opened), with the same backoff as reads; any failure
        after the request may have been processed is `GelatoAmbiguousCreate`."""
        url = f"{self._products_url(store_id)}:create-from-template"
        try:
            response = self._send("POST", url, json=body.to_json(), retry_if=_not_processed,
                                  label="POST /v1/stores/{storeId}/products:create-from-template")
        except GelatoNetworkError as exc:
            if not exc.request_sent:
                raise
            raise GelatoAmbiguousCreate(f"create may have reached Gelato: {exc}", cause=exc) from exc
        except GelatoServerError as exc:
            raise GelatoAmbiguousCreate(f"create may have reached Gelato: {exc}", cause=exc) from exc
        return StoreProduct.model_validate(response.json())

    def get_product(self, store_id: str, product_id: str) -> StoreProduct:
        response = self._send("GET", f"{self._products_url(store_id)}/{product_id}",
                              label="GET /v1/stores/{storeId}/products/{productId}")
        return StoreProduct.model_validate(response.json())

    def iter_products(self, store_id: str, *, order: str = "desc", order_by: str = "createdAt",
                      page_size: int = LIST_PAGE_MAX) -> Iterator[StoreProduct]:
        offset = 0
        while True:
            response = self._send("GET", self._products_url(store_id),
                                  params={"offset": offset, "limit": page_size, "order": order, "orderBy": order_by},
                                  label="GET /v1/stores/{storeId}/products")
            page = response.json().get("products", [])
            yield from (StoreProduct.model_validate(row) for row in page)
            if len(page) < page_size:
                return
            offset += len(page)

    def delete_product(self, store_id: str, product_id: str) -> bool:
        """True when deleted now, False when it was already gone."""
        try:
            self._send("DELETE", f"{self._products_url(store_id)}/{product_id}",
                       label="DELETE /v1/stores/{storeId}/products/{productId}")
        except GelatoNotFound:
            return False
        return True
