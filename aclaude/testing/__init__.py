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

Requests are checked as the real API checks them, before any scripted reply: no key is a 401
(``api_keys=[...]``: another key is too), a Messages body the API refuses is a 400
``invalid_request_error`` with the API's message (``max_tokens: Field required``, ``temperature:
Input should be less than or equal to 1``, ``foo: Extra inputs are not permitted`` ...), and with
``models=[...]`` an unknown model is a 404. ``FakeAnthropic(validate=False)`` or the header
``x-fake-validate: off`` turns the checks off for odd bodies sent on purpose. Generated replies
honour ``max_tokens`` (``stop_reason: "max_tokens"``) and otherwise end on a full stop.
``first_token_delay`` / ``token_interval`` pace every reply like the real API (off by default).

Faults for reliability tests: ``error_event_after`` / ``truncate_after`` / ``drop_after`` (an
error event, a clean EOF or a dropped connection after N events), ``delay_between``,
``hold_after_start``, ``delay_headers`` (headers late or never), ``Reply.disconnect()`` (reset
before the status line), ``Reply.raw(..., abort=True)`` (any bytes, then a drop),
``Reply.error(status, type, message, headers={"retry-after": ...})``, ``Reply.redirect(url)``,
and stalls, bounded by ``stall_for`` seconds::

    Reply.text("Hi").with_options(stall_after=2, stall_with="pings")   # pings only, no progress
    Reply.text("Hi").with_options(stall_after=2, stall_with="deltas")  # endless trickle
    Reply.text("Hi").with_options(stall_after=0)                       # headers, then silence

To observe a client from the server's side: ``server.requests[i].received_at`` (monotonic
clock: the waits between retries), ``server.in_flight`` and ``server.peak_in_flight`` (its
concurrency).

With nothing queued, ``POST /v1/messages`` gets a generated lorem reply whose shape the
request's headers control: ``x-fake-deltas``, ``x-fake-delta-bytes``, ``x-fake-chunking``
(``event`` or a byte count), ``x-fake-hold`` (seconds to pause after message_start and the
first content_block_start),
``x-fake-delay``, ``x-fake-echo``, ``x-fake-truncate-after``, ``x-fake-drop-after``,
``x-fake-error-after``, ``x-fake-error-type`` and ``x-fake-validate``. ``x-fake-deltas`` /
``x-fake-delta-bytes`` ask for an exact shape (benchmarks), ``max_tokens`` notwithstanding.

The rest of the API is served too, statefully and with the API's pagination: models
(``/v1/models``), token counting, Message Batches (results as streamed JSON Lines; seed any
results with ``server.resources.batches.add([...])``; headers ``x-fake-results-bytes``,
``x-fake-malformed-line`` and ``x-fake-batch-processing`` on create), Files (streamed multipart
uploads; ``server.resources.files.add(content_or_size)`` for downloadable, tool-made files), legacy
completions (``/v1/complete``), structured outputs (a reply valid against
``output_config.format``), and ``anthropic-beta`` checks.

Cloud platforms: ``FakeBedrock``, ``FakeVertex`` and ``FakeFoundry`` are small servers in front
of their own ``FakeAnthropic`` (``fake.upstream``; ``fake.enqueue`` scripts it) that check the
platform's authentication (Bedrock: SigV4 recomputed with botocore and fixed credentials),
URL and body, and translate the answers (Bedrock: AWS event-stream frames, which can be split
at any byte or given a bad CRC)::

    async with FakeBedrock(now=FROZEN) as fake:
        fake.enqueue(Reply.text("Hello"))
        ...  # aclaude.BedrockClient(aws_region="us-east-1", base_url=fake.url, ...)

From a shell (benchmarks run it in its own process)::

    python -m aclaude.testing --port 0 --deltas 200 --delta-bytes 12
    # prints "listening on http://127.0.0.1:PORT", serves until SIGINT/SIGTERM
    # (``aclaude serve-mock`` is the same, paced by default; --no-validate turns the checks off)
"""

from ._blocks import CustomBlock, RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolUseBlock
from ._fake_bedrock import BEDROCK_ACCESS_KEY, BEDROCK_SECRET_KEY, FakeBedrock
from ._fake_foundry import FOUNDRY_API_KEY, FOUNDRY_TOKEN, FakeFoundry
from ._fake_vertex import VERTEX_TOKEN, FakeVertex
from ._org_limits import OrgLimits
from ._recorded import RecordedRequest
from ._replies import Reply
from ._server import FakeAnthropic

__all__ = [
    "OrgLimits",
    "FakeAnthropic",
    "Reply",
    "RecordedRequest",
    "TextBlock",
    "ToolUseBlock",
    "ThinkingBlock",
    "RedactedThinkingBlock",
    "CustomBlock",
    "FakeBedrock",
    "FakeVertex",
    "FakeFoundry",
    "BEDROCK_ACCESS_KEY",
    "BEDROCK_SECRET_KEY",
    "VERTEX_TOKEN",
    "FOUNDRY_API_KEY",
    "FOUNDRY_TOKEN",
]
