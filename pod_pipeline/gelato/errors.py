"""Gelato errors, typed by what the caller may do next."""

from __future__ import annotations


class GelatoError(Exception):
    """Base class. `retryable` says whether the same request may be sent again."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None,
                 method: str | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = body  # raw body kept: Gelato's error shapes are not fully documented
        self.method = method
        self.url = url


class GelatoClientError(GelatoError):
    """4xx other than 429: the request itself is wrong (bad key, unknown id, invalid body)."""


class GelatoNotFound(GelatoClientError):
    """404: the template, product or productUid does not exist."""


class GelatoAuthError(GelatoClientError):
    """401/403: the API key is missing, wrong or lacks access to this store."""


class GelatoRateLimited(GelatoError):
    """429: slow down; `retry_after` holds Gelato's hint in seconds when it sent one."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class GelatoServerError(GelatoError):
    """5xx: Gelato failed; the request may or may not have taken effect."""

    retryable = True


class GelatoNetworkError(GelatoError):
    """Connection failure or timeout. `request_sent` is False only when the request provably
    never left (connect errors), which is what makes a create POST safe to resend."""

    retryable = True

    def __init__(self, message: str, *, request_sent: bool, **kwargs):
        super().__init__(message, **kwargs)
        self.request_sent = request_sent


class GelatoAmbiguousCreate(GelatoError):
    """A create POST failed after it may have reached Gelato (timeout, reset, 5xx). The product
    may exist: reconcile against the store's product list before any new POST."""

    def __init__(self, message: str, *, cause: GelatoError):
        super().__init__(message, status=cause.status, body=cause.body, method=cause.method, url=cause.url)
        self.cause = cause
