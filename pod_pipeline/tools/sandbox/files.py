"""What Gelato does with a `fileUrl`: download it with a plain GET, no credentials, and reject
anything that is not a readable jpg, png or pdf. Returns Gelato-style error codes (the real code
list is undocumented; these names are the sandbox's own)."""

from __future__ import annotations

import asyncio
import io

import logging

import httpx
from PIL import Image

log = logging.getLogger(__name__)

DOWNLOAD_FAILED = "file_download_failed"
INVALID_FORMAT = "invalid_file_format"
TOO_LARGE = "file_too_large"

_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}


def sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def _pillow_accepts(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - any decoder complaint means Gelato could not print it
        return False


async def check_file(client: httpx.AsyncClient, url: str, timeout: float, max_bytes: int) -> str | None:
    """None when the file is printable, else the publishing error code."""
    try:
        return await _fetch_and_check(client, url, timeout, max_bytes)
    except httpx.RemoteProtocolError:
        # A kept-alive connection the server closed as the GET went out (its idle timeout): a
        # downloader asks once more on a new connection, as urllib3 and browsers do for a GET.
        # A client of its own: the pool could hand out another connection gone stale the same way.
        pass
    try:
        async with httpx.AsyncClient(trust_env=client.trust_env, follow_redirects=client.follow_redirects) as fresh:
            return await _fetch_and_check(fresh, url, timeout, max_bytes)
    except httpx.RemoteProtocolError as failure:
        log.warning("file download failed: GET %s: %r", url[:300], failure)
        return DOWNLOAD_FAILED


async def _fetch_and_check(client: httpx.AsyncClient, url: str, timeout: float, max_bytes: int) -> str | None:
    try:
        async with client.stream("GET", url, timeout=timeout) as response:
            if not response.is_success:
                log.warning("file download failed: GET %s answered %s", url, response.status_code)
                return DOWNLOAD_FAILED
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return TOO_LARGE
                chunks.append(chunk)
    except httpx.RemoteProtocolError:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as failure:
        # A URL httpx cannot even parse fails like any other download would. Gelato names no
        # cause; the sandbox's log does, for whoever runs it.
        log.warning("file download failed: GET %s: %r", url[:300], failure)
        return DOWNLOAD_FAILED
    data = b"".join(chunks)
    kind = sniff(data)
    if kind is None:
        return INVALID_FORMAT
    # Decoding is CPU work: keep it off the event loop so requests are still answered.
    if kind in ("jpg", "png") and not await asyncio.to_thread(_pillow_accepts, data):
        return INVALID_FORMAT
    return None


async def check_files(client: httpx.AsyncClient, urls: list[str], timeout: float, max_bytes: int) -> str | None:
    """First error code among all files (in URL order, so the result is deterministic)."""
    results = await asyncio.gather(*(check_file(client, u, timeout, max_bytes) for u in urls))
    return next((code for code in results if code), None)
