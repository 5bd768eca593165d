"""What a check found, and how the doctor prints it: a table for people, JSON for machines.
Every text goes through the `Scrubber` first, so a secret that slipped into an error message (a
driver echoing a URL, an API echoing a key) never reaches the screen."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)

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
