"""The matrix of hostile replies: what the server does, what the client is asked, what it must
raise, and the time and memory it may take (used by ``test_hostile.py`` and ``measure.py``).

Each bound is generous for a correct client and far below what the unbounded behaviour costs
(before the fixes these cases grew the client by hundreds of MB to GBs, or never ended).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from _hostile_server import Script, chunk, gzip_bomb, nested, read_request, response_head, sse_event

import aclaude

__all__ = ["CASES", "KEY", "Case"]

KEY = "sk-ant-hostile-test-key-0123456789"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}

Call = Callable[[aclaude.Client], Awaitable[Any]]

START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    },
}
PING = {"type": "ping"}
BLOCK = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
DELTA = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}}


@dataclass
class Case:
    name: str
    script: Script
    call: Call
    raises: type[BaseException]
    #: Seconds and MiB (growth of the process's peak RSS) the call may take.
    seconds: float = 5.0
    mib: float = 40.0
    client: dict[str, Any] = field(default_factory=dict)
    #: A substring the error's message must contain.
    match: str = ""
    #: Requests the server may see (1: not retried).
    max_requests: int | None = None
    #: Work done before the clock starts (building a gzip bomb).
    prepare: Callable[[], object] = lambda: None


async def drain_stream(client: aclaude.Client) -> None:
    async with client.messages.create(**PARAMS, stream=True) as stream:
        async for _ in stream:
            pass


async def create(client: aclaude.Client) -> None:
    await client.messages.create(**PARAMS)


async def get_json(client: aclaude.Client) -> None:
    await client.get("/v1/models")


async def list_models(client: aclaude.Client) -> None:
    await client.models.list()


async def walk_models(client: aclaude.Client) -> None:
    async for _ in client.models.list():
        pass


async def batch_results(client: aclaude.Client) -> None:
    async for _ in client.messages.batches.results("msgbatch_1"):
        pass


async def raw_event_texts(client: aclaude.Client) -> None:
    async with client.messages.create(**PARAMS, stream=True) as stream:
        async for _event, data in stream.raw_events():
            data.decode("utf-8")  # what the CLI's --json and the relay's text frames do


def _stream_script(head: bytes, body: Callable[[], Any]) -> Script:
    """A 200 streamed reply: ``head`` then the chunks ``body()`` yields, until the client leaves."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(head)
        for piece in body():
            writer.write(piece)
            await writer.drain()

    return script


def _endless(*events: bytes, prefix: bytes = b"") -> Callable[[], Any]:
    def body() -> Any:
        if prefix:
            yield chunk(prefix)
        batch = chunk(b"".join(events) * 16)
        while True:
            yield batch

    return body


def _once(data: bytes) -> Callable[[], Any]:
    def body() -> Any:
        yield chunk(data)
        yield chunk(b"")

    return body


def _trickle(data: bytes, delay: float) -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response_head(200, "application/json", length=len(data) * 1000))
        for _ in range(1000):
            for byte in data:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(delay)

    return script


def _json_reply(status: int, body: bytes, content_type: str = "application/json") -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # keep-alive: answer every request on the connection the same way
            await read_request(reader)
            writer.write(response_head(status, content_type, length=len(body)) + body)
            await writer.drain()

    return script


def _split_error_body() -> Script:
    body = json.dumps(
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    ).encode()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response_head(529, "application/json", length=len(body)) + body[:20])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(body[20:])
        await writer.drain()
        await asyncio.sleep(1)

    return script


def _early_hints() -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        while True:
            writer.write(b"HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.1)

    return script


def _json_bomb() -> bytes:
    return gzip_bomb(300 * 1024 * 1024, b" ")


def _pings_bomb() -> bytes:
    return gzip_bomb(200 * 1024 * 1024, sse_event(PING))


def _gzip_json_bomb() -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        bomb = _json_bomb()
        await read_request(reader)
        writer.write(
            response_head(200, "application/json", extra={"content-encoding": "gzip"}, length=len(bomb))
        )
        writer.write(bomb)
        await writer.drain()
        await asyncio.sleep(5)

    return script


def _gzip_pings() -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pings = _pings_bomb()
        await read_request(reader)
        writer.write(response_head(200, extra={"content-encoding": "gzip"}, length=len(pings)))
        writer.write(pings)
        await writer.drain()
        await asyncio.sleep(5)

    return script


def _stuck_cursor() -> Script:
    page = json.dumps(
        {
            "data": [{"type": "model", "id": "m", "display_name": "M", "created_at": "2025-01-01T00:00:00Z"}],
            "has_more": True,
            "first_id": "m",
            "last_id": "m",
        }
    ).encode()
    return _json_reply(200, page)


_BATCH = json.dumps(
    {
        "id": "msgbatch_1",
        "type": "message_batch",
        "processing_status": "ended",
        "request_counts": {"processing": 0, "succeeded": 1, "errored": 0, "canceled": 0, "expired": 0},
        "created_at": "2025-01-01T00:00:00Z",
        "expires_at": "2025-01-02T00:00:00Z",
        "ended_at": "2025-01-01T01:00:00Z",
        "results_url": "/v1/messages/batches/msgbatch_1/results",
    }
).encode()


async def _batch_lookup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer the batch lookup that ``results()`` sends first, then read the download request."""
    await read_request(reader)
    writer.write(response_head(200, "application/json", length=len(_BATCH)) + _BATCH)
    await writer.drain()
    await read_request(reader)


async def _results_then_blank(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _batch_lookup(reader, writer)
    writer.write(response_head(200, "application/binary"))
    blank = chunk(b"\n" * 65536)
    while True:
        writer.write(blank)
        await writer.drain()


async def _results_nested(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _batch_lookup(reader, writer)
    line = b'{"custom_id":"a","result":{"type":"zz","x":' + nested() + b"}}\n"
    writer.write(response_head(200, "application/binary", length=len(line)) + line)
    await writer.drain()
    await asyncio.sleep(1)


SSE = response_head(200)
_BIG_PING = json.dumps({"type": "ping", "pad": "x" * 65536}).encode()
_BIG_START = json.dumps({**START, "pad": "x" * 262144}).encode()

CASES: list[Case] = [
    Case(
        "repeated message_start (256 KiB each)",
        _stream_script(SSE, _endless(sse_event(_BIG_START, "message_start"))),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="second message_start",
    ),
    Case(
        "endless pings before content",
        _stream_script(SSE, _endless(sse_event(PING), prefix=sse_event(START))),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="before any content",
    ),
    Case(
        "endless 64 KiB pings before content",
        _stream_script(SSE, _endless(sse_event(_BIG_PING, "ping"), prefix=sse_event(START))),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="before any content",
    ),
    Case(
        "gzip body of pings (200 MiB expanded)",
        _gzip_pings(),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="before any content",
        prepare=_pings_bomb,
    ),
    Case(
        "content before message_start",
        _stream_script(SSE, _once(sse_event(BLOCK) + sse_event(DELTA))),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="before message_start",
    ),
    Case(
        "deeply nested JSON in an event before content",
        _stream_script(SSE, _once(sse_event(b'{"type":"message_start","message":' + nested() + b"}"))),
        drain_stream,
        aclaude.APIResponseValidationError,
    ),
    Case(
        "deeply nested JSON in an unknown event after content",
        _stream_script(
            SSE,
            _once(
                sse_event(START)
                + sse_event(BLOCK)
                + sse_event(b'{"type":"zz_new","x":' + nested() + b"}")
            ),
        ),
        drain_stream,
        aclaude.APIResponseValidationError,
    ),
    Case(
        "deeply nested tool input at block stop",
        _stream_script(
            SSE,
            _once(
                sse_event(START)
                + sse_event(
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {}},
                    }
                )
                + sse_event(
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": nested().decode()},
                    }
                )
                + sse_event({"type": "content_block_stop", "index": 0})
                + sse_event({"type": "message_stop"})
            ),
        ),
        create,
        aclaude.APIResponseValidationError,
        match="tool input",
    ),
    Case(
        '"citations": 5 in a text block',
        _stream_script(
            SSE,
            _once(
                sse_event(START)
                + sse_event(
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": "", "citations": 5},
                    }
                )
            ),
        ),
        drain_stream,
        aclaude.APIResponseValidationError,
        match="citations",
    ),
    Case(
        "deeply nested JSON error body",
        _json_reply(500, b'{"type":"error","error":' + nested() + b"}"),
        list_models,
        aclaude.InternalServerError,
    ),
    Case(
        "deeply nested JSON success body",
        _json_reply(200, b'{"data":' + nested() + b"}"),
        get_json,
        aclaude.APIResponseValidationError,
    ),
    Case(
        "deeply nested batch-result line",
        _results_nested,
        batch_results,
        aclaude.JSONLDecodeError,
    ),
    Case(
        "gzip JSON bomb (300 MiB expanded), max_body_bytes 1 MiB",
        _gzip_json_bomb(),
        list_models,
        aclaude.APIResponseValidationError,
        client={"max_body_bytes": 1024 * 1024},
        match="max_body_bytes",
        prepare=_json_bomb,
    ),
    Case(
        "529 error body in two writes 50 ms apart",
        _split_error_body(),
        list_models,
        aclaude.OverloadedError,
        match="Overloaded",
    ),
    Case(
        "200 text/html to a streaming request (not retried)",
        _json_reply(200, b"<html>gateway</html>", "text/html; charset=utf-8"),
        drain_stream,
        aclaude.APIResponseValidationError,
        client={"max_retries": 2},
        match="text/html",
        max_requests=1,
    ),
    Case(
        "JSON body trickling a byte every 50 ms (read timeout 1 s)",
        _trickle(b'{"data":[],"has_more":false}', 0.05),
        list_models,
        aclaude.APITimeoutError,
    ),
    Case(
        "endless 103 Early Hints (read timeout 1 s)",
        _early_hints(),
        list_models,
        aclaude.APITimeoutError,
    ),
    Case(
        "page cursor that does not advance",
        _stuck_cursor(),
        walk_models,
        aclaude.APIResponseValidationError,
        match="cursor",
    ),
    Case(
        "invalid UTF-8 in an unknown field, read as text",
        _stream_script(
            SSE,
            _once(
                sse_event(START)
                + sse_event(BLOCK)
                + b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
                b'"delta":{"type":"text_delta","text":"a"},"junk":"\xff\xfe"}\n\n'
                + sse_event({"type": "content_block_stop", "index": 0})
                + sse_event({"type": "message_stop"})
            ),
        ),
        raw_event_texts,
        aclaude.APIResponseValidationError,
        match="UTF-8",
    ),
    Case(
        "batch results of endless blank lines",
        _results_then_blank,
        batch_results,
        aclaude.JSONLDecodeError,
        match="blank lines",
    ),
]


def client_options(case: Case, base_url: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "api_key": KEY,
        "base_url": base_url,
        "max_retries": 0,
        "timeout": aclaude.Timeout(connect=2.0, read=1.0),
    }
    options.update(case.client)
    return options
