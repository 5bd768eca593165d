"""What a check found, and how the doctor prints it: a table for people, JSON for machines.
Every text goes through `Redactor` first, so a secret that slipped into an error message (a
driver echoing a URL, an API echoing a key) never reaches the screen."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Mapping
from urllib.parse import urlsplit

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)

# Variables whose whole value is a secret, and URLs whose password (or user part) is one.
SECRET_VARIABLES = ("GELATO_API_KEY", "GELATO_WEBHOOK_SECRET", "SUPABASE_SERVICE_ROLE_KEY", "ANTHROPIC_API_KEY",
                    "SENTRY_DSN")
URL_VARIABLES = ("POD_CATALOG_URL", "SUPABASE_DB_URL", "DAGSTER_PG_URL", "DATABASE_URL", "SENTRY_DSN")
# Shorter values would match ordinary words; no real key or password is this short.
_MIN_SECRET_LENGTH = 4
_HINT_MIN_LENGTH = 16


@dataclass(frozen=True)
class Finding:
    """A check's verdict: `found` says what is there, `fix` what to do (None when nothing to do)."""

    status: str
    found: str
    fix: str | None = None


def ok(found: str) -> Finding:
    return Finding(OK, found)


def warn(found: str, fix: str) -> Finding:
    return Finding(WARN, found, fix)


def fail(found: str, fix: str) -> Finding:
    return Finding(FAIL, found, fix)


def skip(found: str) -> Finding:
    return Finding(SKIP, found)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    found: str
    fix: str | None
    seconds: float


def key_hint(value: str | None) -> str:
    """At most the last 4 characters of a key, and only of a long one (a short value would be
    given away by them)."""
    if not value:
        return "(not set)"
    return f"…{value[-4:]}" if len(value) >= _HINT_MIN_LENGTH else "(hidden)"


class Redactor:
    def __init__(self, env: Mapping[str, str]):
        found: set[str] = set()
        for name in SECRET_VARIABLES:
            if env.get(name):
                found.add(env[name])
        for name in URL_VARIABLES:
            found.update(_url_secrets(env.get(name)))
        for value in list(found):
            signature = value.rsplit(".", 1)[-1]
            if value.count(".") == 2 and len(signature) >= 16:
                found.add(signature)  # a JWT's signature is its secret part
        self._secrets = sorted((s for s in found if len(s) >= _MIN_SECRET_LENGTH), key=len, reverse=True)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _url_secrets(url: str | None) -> list[str]:
    if not url:
        return []
    if "://" not in url:
        return [url]  # a key=value connection string (`password=…`): hide all of it
    try:
        parts = urlsplit(url)
        password, user = parts.password, parts.username
    except ValueError:
        return [url]  # unparseable: hide all of it
    if password:
        return [password]
    # A Sentry DSN carries its key as the user part.
    return [user] if user and parts.scheme in ("http", "https") else []


def summary(results: Iterable[CheckResult]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    return counts


def exit_code(results: Iterable[CheckResult]) -> int:
    """0 when nothing failed (warnings and skips allowed), else 1."""
    return 1 if any(r.status == FAIL for r in results) else 0


def report_json(results: list[CheckResult], mode: str | None) -> dict:
    return {"ok": exit_code(results) == 0, "mode": mode, "summary": summary(results),
            "checks": [asdict(r) for r in results]}


_LABELS = {OK: "ok", WARN: "WARN", FAIL: "FAIL", SKIP: "skip"}


def render_text(results: list[CheckResult], mode: str | None) -> str:
    width = max((len(r.name) for r in results), default=10) + 2
    lines = [f"pod-pipeline doctor (POD_MODE={mode or 'invalid'})", ""]
    for r in results:
        lines.append(f"  {_LABELS[r.status]:<5} {r.name:<{width}}{r.found}")
        if r.fix:
            lines.append(f"  {'':<5} {'':<{width}}fix: {r.fix}")
    counts = summary(results)
    lines += ["", f"{counts[FAIL]} failed, {counts[WARN]} {'warning' if counts[WARN] == 1 else 'warnings'}, "
                  f"{counts[OK]} ok, {counts[SKIP]} skipped"]
    return "\n".join(lines)
