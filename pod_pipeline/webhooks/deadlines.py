"""A header deadline for uvicorn's HTTP/1.1 protocol.

uvicorn bounds the body (the app's own timeout), idle keep-alive and header size, but not the
time a client may take to send its headers: a client trickling one header byte a minute, or one
that connects and says nothing, holds its connection for ever, and enough of them exhaust the
connection limit so Gelato's real deliveries get 503 until its three tries run out. Every
request's headers must now arrive within `header_seconds` of the connection opening or of the
request's first byte; otherwise the client gets 408 and the connection is closed.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_SECONDS = 10.0
_LATE = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 30\r\nconnection: close\r\n\r\n" \
        b"headers not received in time\r\n"


def header_deadline_protocol(header_seconds: float = DEFAULT_HEADER_SECONDS) -> type[H11Protocol]:
    """An `H11Protocol` subclass for `uvicorn.run(http=...)` with the given header deadline."""

    class HeaderDeadlineProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _waiting_since_cycle: object = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()  # uvicorn has no timer on a connection that never speaks

        def data_received(self, data: bytes) -> None:
            # The first bytes of a new request start its clock (idle time between requests is
            # uvicorn's keep-alive timeout); each byte after that does not restart it.
            if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._waiting_since_cycle:
                self._disarm()  # the new request's headers are complete

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._waiting_since_cycle = self.cycle
            self._deadline = self.loop.call_later(header_seconds, self._headers_late)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _headers_late(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.write(_LATE)
                self.transport.close()

    return HeaderDeadlineProtocol
