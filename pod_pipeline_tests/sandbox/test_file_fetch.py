"""The sandbox fetches a fileUrl as Gelato would: a server that closes a kept-alive connection
just as the next GET goes out (its idle timeout) costs one more try on a new connection, not a
`file_download_failed` product. (The race once failed a product in the Celery soak and a test.)"""

import asyncio
import io

import httpx
from PIL import Image

from pod_pipeline.tools.sandbox.files import DOWNLOAD_FAILED, check_file


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


async def serve(drop_second_request_on_a_connection: bool, drop_every_request: bool = False):
    body = png_bytes()
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        served = 0
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the client hung up
            served += 1
            if drop_every_request or (drop_second_request_on_a_connection and served == 2):
                writer.close()  # the idle-timeout close racing the client's reuse
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/print.png", connections


def test_a_connection_closed_as_the_get_goes_out_is_fetched_again_on_a_new_one():
    async def scenario():
        server, url, connections = await serve(drop_second_request_on_a_connection=True)
        async with server, httpx.AsyncClient() as client:
            first = await check_file(client, url, timeout=5, max_bytes=10_000)
            second = await check_file(client, url, timeout=5, max_bytes=10_000)  # reuses, is dropped
        return first, second, len(connections)

    first, second, connections = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert (first, second) == (None, None)
    assert connections == 2  # the retry went out on a new connection


def test_a_server_that_always_drops_the_request_fails_the_file_after_one_more_try():
    async def scenario():
        server, url, connections = await serve(False, drop_every_request=True)
        async with server, httpx.AsyncClient() as client:
            result = await check_file(client, url, timeout=5, max_bytes=10_000)
        return result, len(connections)

    result, connections = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert result == DOWNLOAD_FAILED and connections == 2
