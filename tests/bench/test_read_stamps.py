"""On a ``read_stamping_connector`` (``aclaude bench``'s) stream timings stamp a read when its bytes
came off the socket, not when the task got to run; a default client adds nothing per read."""

from __future__ import annotations

import asyncio
import time

import aclaude
from aclaude._http.transport import read_stamping_connector
from aclaude.testing import FakeAnthropic
from aclaude.testing._pacing import WRITE_LOG

PACED = {"x-fake-pacing": "ttft=10ms,itl=10ms", "x-fake-deltas": "3"}


async def test_bytes_that_waited_for_a_busy_consumer_keep_their_arrival_time(
    server: FakeAnthropic, api_key: str, params: dict[str, object], write_log: None
) -> None:
    # The consumer is busy for 0.3 s after the first delta; meanwhile the second arrives (10 ms
    # later) and waits in aiohttp's buffer. Its stamp is when it came off the socket, so it
    # is before the consumer came back, and after the server wrote it.
    resumed = None
    connector = read_stamping_connector(10)
    try:
        async with (
            asyncio.timeout(10),
            aclaude.Client(api_key=api_key, base_url=server.url, connector=connector) as client,
        ):
            stream = client.messages.create(**params, stream=True, extra_headers=PACED)
            stream.timings.record_arrivals()
            async for event in stream:
                if event.type == "content_block_delta" and resumed is None:
                    await asyncio.sleep(0.3)
                    resumed = time.monotonic()
    finally:
        await connector.close()
    arrivals = stream.timings.arrivals
    assert resumed is not None and arrivals is not None and len(arrivals) == 3
    _received, writes = WRITE_LOG.entries[stream.request_id or ""]
    written = [at for is_delta, at in writes if is_delta]
    assert written[1] <= arrivals[1] < resumed


async def test_a_default_client_reads_the_clock_as_before(
    client: aclaude.Client, params: dict[str, object]
) -> None:
    # Off by default: no protocol override, the read's stamp is the plain clock call.
    async with asyncio.timeout(10):
        stream = client.messages.create(**params, stream=True, extra_headers=PACED)
        await stream  # the body is still coming: the connection is the stream's
        assert stream._response is not None
        assert stream._response.read_time is time.monotonic
        _ = [event async for event in stream]
