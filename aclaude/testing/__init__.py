"""An embedded fake Anthropic Messages API, for tests, benchmarks and demos.

It is a real HTTP server on loopback (aiohttp), speaking the API's wire format byte for byte:
SSE streams with one chunk per event, JSON messages, error bodies, request ids and rate-limit
headers. Point any client at ``server.url``::

    from aclaude.testing import FakeAnthropic, Reply, ToolUseBlock, TextBlock

    async with FakeAnthropic() as server:                      # 127.0.0.1, ephemeral port
        server.enqueue(Reply.text("Hello world", chunk_chars=3))
        server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}))
        server.enqueue(Reply.message([TextBlock("Two calls:"), ToolUseBlock("a", {}), ToolUseBlock("b", {})]))
        server.enqueue(Reply.text("partial", truncate_after=4))   # clean EOF, no message_stop
        server.enqueue(Reply.error(529, "overloaded_error", "Overloaded"))
        ...  # client = SomeClient(base_url=server.url, api_key="sk-test")
        assert server.requests[0].headers["x-api-key"] == "sk-test"

With nothing queued, ``POST /v1/messages`` gets a generated lorem reply whose shape the
request's headers control: ``x-fake-deltas``, ``x-fake-delta-bytes``, ``x-fake-chunking``
(``event`` or a byte count), ``x-fake-hold`` (seconds to pause after message_start and the
first content_block_start),
``x-fake-delay``, ``x-fake-echo``, ``x-fake-truncate-after``, ``x-fake-drop-after``,
``x-fake-error-after`` and ``x-fake-error-type``.

From a shell (benchmarks run it in its own process)::

    python -m aclaude.testing --port 0 --deltas 200 --delta-bytes 12
    # prints "listening on http://127.0.0.1:PORT", serves until SIGINT/SIGTERM
"""

from ._blocks import CustomBlock, RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolUseBlock
from ._recorded import RecordedRequest
from ._replies import Reply
from ._server import FakeAnthropic

__all__ = [
    "FakeAnthropic",
    "Reply",
    "RecordedRequest",
    "TextBlock",
    "ToolUseBlock",
    "ThinkingBlock",
    "RedactedThinkingBlock",
    "CustomBlock",
]
