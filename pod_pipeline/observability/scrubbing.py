"""Keeping secrets out of what leaves the process (Sentry events).

Two nets, because neither alone is enough: by value — the known secrets of this deployment
(API keys, the webhook secret, database passwords, the Sentry DSN) replaced wherever they appear,
in a message, an exception, a breadcrumb, a header — and by shape: values under a sensitive key
(`Authorization`, `X-API-KEY`, the webhook's secret header, `password`, …), the password of any
URL with credentials, and signing parameters in URLs (`?token=` of a Supabase signed URL).
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlparse

FILTERED = "[Filtered]"
SECRET_VARIABLES = ("GELATO_API_KEY", "ANTHROPIC_API_KEY", "SUPABASE_SERVICE_ROLE_KEY", "GELATO_WEBHOOK_SECRET",
                    "SENTRY_DSN")
URL_VARIABLES = ("DAGSTER_PG_URL", "SUPABASE_DB_URL", "POD_CATALOG_URL", "DATABASE_URL")
# Any other variable named like a secret is treated as one.
SECRET_NAME = re.compile(r"(API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|SERVICE_ROLE_KEY)$")
SENSITIVE_KEYS = frozenset({
    "authorization", "proxy_authorization", "x_api_key", "api_key", "apikey", "cookie", "set_cookie",
    "signature", "password", "passwd", "secret", "token", "access_token", "refresh_token", "private_key",
    "service_role_key", "dsn",
})
# Shorter values would blank out ordinary words; short passwords are still caught inside URLs.
MIN_SECRET_LENGTH = 6
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(?P<at>@)", re.IGNORECASE)
_URL_SIGNING = re.compile(r"(?P<head>[?&](?:token|signature|sig|apikey|api_key|key)=)[^&\s\"'#]+", re.IGNORECASE)


def _normal_key(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def _url_secrets(name: str, value: str) -> list[str]:
    if "://" not in value:
        return [value]  # a key=value connection string (`password=…`): hide all of it
    try:
        parsed = urlparse(value)
        parts = [parsed.password, parsed.username if name == "SENTRY_DSN" else None]
    except ValueError:
        return [value]  # unparseable: hide all of it
    return [form for part in parts if part for form in (part, unquote(part))]


def secret_values(env: Mapping[str, str]) -> list[str]:
    """The values to hide, longest first (so a secret containing another is hidden whole)."""
    found: set[str] = set()
    for name, value in env.items():
        if not value:
            continue
        if name in SECRET_VARIABLES or SECRET_NAME.search(name):
            found.add(value)
        if name in URL_VARIABLES or name == "SENTRY_DSN":
            found.update(_url_secrets(name, value))
    return sorted((value for value in found if len(value) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _forms(secret: str) -> list[str]:
    """A secret and the parts of it that are secret on their own: a JWT's signature (a Supabase
    key) identifies the key even when an upstream quotes only that part."""
    signature = secret.rsplit(".", 1)[-1]
    return [secret, signature] if secret.count(".") == 2 and len(signature) >= 16 else [secret]


class Scrubber:
    """The one redaction mechanism: Sentry events, the doctor's report, and every client's
    error messages (Gelato, Anthropic, Supabase) pass through it before they are raised."""

    def __init__(self, secrets: Iterable[str | None], sensitive_keys: Iterable[str] = ()):
        found = {form for secret in secrets if secret for form in _forms(secret)}
        self.secrets = sorted(found, key=len, reverse=True)
        self.sensitive_keys = SENSITIVE_KEYS | {_normal_key(key) for key in sensitive_keys}

    def __call__(self, value: object) -> str:
        """`text` of anything printable (an exception, a status code)."""
        return self.text(str(value))

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> "Scrubber":
        """Secrets of `env` and of the process environment; the webhook's header name too."""
        merged = {**os.environ, **env}
        return cls(secret_values(merged), [merged.get("GELATO_WEBHOOK_HEADER") or "signature"])

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, FILTERED)
        value = _URL_PASSWORD.sub(lambda m: f"{m['head']}{FILTERED}{m['at']}", value)
        return _URL_SIGNING.sub(lambda m: f"{m['head']}{FILTERED}", value)

    def is_sensitive(self, key: Any) -> bool:
        return isinstance(key, str) and _normal_key(key) in self.sensitive_keys

    def scrub(self, value: Any) -> Any:
        """A copy of `value` (dicts, lists, strings, nested) with every secret hidden."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.scrub(key) if isinstance(key, str) else key:
                    FILTERED if self.is_sensitive(key) and value[key] not in (None, "") else self.scrub(item)
                    for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            # Header lists come as [name, value] pairs.
            if len(value) == 2 and self.is_sensitive(value[0]) and isinstance(value[1], str):
                return [value[0], FILTERED]
            return [self.scrub(item) for item in value]
        return value
