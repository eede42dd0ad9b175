"""Message Batches: ``/v1/messages/batches`` create, retrieve, list, cancel, delete, results.

A ``BatchStore`` keeps batches in memory. A new batch is ``in_progress`` for
``processing_seconds`` (0 by default: it has ended by the next read), then ends: each request
whose params are valid gets a generated message (``succeeded``), the others an
``invalid_request_error`` (``errored``); a batch cancelled while processing ends with every
request ``canceled``. Tests can also seed an ended batch with any results (``add``), malformed
lines included.

Results are written as JSON Lines while they are generated, never held whole, so a results file
of any size costs the server a chunk of memory. Controls on ``POST`` (headers, so a benchmark in
another process can use them too):

* ``x-fake-results-bytes: N``: the results file is generated instead, about N bytes of
  ``succeeded`` lines of fixed length (a 1 GB file streams at loopback speed);
* ``x-fake-malformed-line: K``: line K (1-based) of the results is cut in the middle;
* ``x-fake-batch-processing: S``: this batch stays ``in_progress`` for S seconds.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aiohttp import web

from ._generated import ReplyShape, generated_message
from ._headers import response_headers
from ._ids import new_id
from ._message import DEFAULT_MODEL, estimate_input_tokens
from ._pages import rfc3339
from ._respond import Context, json_error, json_response, page_response
from ._sse_render import encode_json
from ._structured import example_json, output_schema

__all__ = ["BatchStore", "RESULTS_CONTENT_TYPE"]

RESULTS_CONTENT_TYPE = "application/x-jsonl"
MAX_REQUESTS = 100_000
_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Lines per write of a generated results file (~160 KiB with the default line).
_LINES_PER_WRITE = 256
_RESULT_DELTAS = 8


@dataclasses.dataclass
class _Batch:
    record: dict[str, Any]
    requests: list[dict[str, Any]]
    ends_at: float
    results: list[dict[str, Any] | bytes] | None = None
    generated_bytes: int | None = None
    malformed_line: int | None = None


class BatchStore:
    """The fake's batches. ``processing_seconds``: how long a new batch stays in progress."""

    def __init__(self, processing_seconds: float = 0.0) -> None:
        self.processing_seconds = processing_seconds
        self._batches: dict[str, _Batch] = {}

    def __len__(self) -> int:
        return len(self._batches)

    def add(
        self,
        results: Sequence[Mapping[str, Any] | bytes],
        *,
        origin: str = "",
        malformed_line: int | None = None,
    ) -> str:
        """Seed an ended batch whose results file is exactly ``results`` (dicts are encoded as
        JSON lines; bytes are written as they are, as one line: malformed lines welcome).
        Returns its id. ``origin`` prefixes ``results_url`` (default: the request's origin)."""
        now = time.time()
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        for result in results:
            kind = result.get("result", {}).get("type") if isinstance(result, Mapping) else None
            if kind in counts:
                counts[kind] += 1
        batch = self._new(now, len(results), ends_at=0.0)
        batch.record["request_counts"] = counts
        batch.results = [r if isinstance(r, bytes) else dict(r) for r in results]
        batch.malformed_line = malformed_line
        self._end(batch, now, origin or None)
        return str(batch.record["id"])

    # -- lifecycle -----------------------------------------------------------------------------

    def _new(self, now: float, count: int, ends_at: float) -> _Batch:
        created = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        record: dict[str, Any] = {
            "id": new_id("msgbatch"),
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {
                "processing": count,
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "ended_at": None,
            "created_at": rfc3339(created),
            "expires_at": rfc3339(created + datetime.timedelta(hours=24)),
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": None,
        }
        batch = _Batch(record=record, requests=[], ends_at=ends_at)
        self._batches[record["id"]] = batch
        return batch

    def _advance(self, batch: _Batch, origin: str) -> None:
        """End the batch if its processing time is over (or it was being cancelled)."""
        status = batch.record["processing_status"]
        if status != "ended" and (status == "canceling" or time.monotonic() >= batch.ends_at):
            self._end(batch, time.time(), origin)
        url = batch.record["results_url"]
        if url and url.startswith("/"):  # seeded by add() without an origin
            batch.record["results_url"] = origin + url

    def _end(self, batch: _Batch, now: float, origin: str | None) -> None:
        record = batch.record
        if batch.results is None and batch.generated_bytes is None:
            canceled = record["processing_status"] == "canceling"
            batch.results = [_result(r, canceled) for r in batch.requests]
            counts = record["request_counts"]
            counts["processing"] = 0
            for result in batch.results:
                assert isinstance(result, dict)
                counts[result["result"]["type"]] += 1
        record["processing_status"] = "ended"
        record["ended_at"] = rfc3339(datetime.datetime.fromtimestamp(now, datetime.timezone.utc))
        if origin is not None:
            record["results_url"] = f"{origin}/v1/messages/batches/{record['id']}/results"
        else:
            record["results_url"] = f"/v1/messages/batches/{record['id']}/results"

    def _get(self, batch_id: str, origin: str) -> _Batch | None:
        batch = self._batches.get(batch_id)
        if batch is not None:
            self._advance(batch, origin)
        return batch

    def _ended(self, ctx: Context, batch_id: str, not_yet: str) -> _Batch | web.StreamResponse:
        """The batch if it has ended; else the API's answer: 404 unknown, 400 ``not_yet``."""
        batch = self._get(batch_id, _origin(ctx))
        if batch is None:
            return _not_found(ctx, batch_id)
        if batch.record["processing_status"] != "ended":
            return json_error(ctx, 400, "invalid_request_error", f"Message Batch {batch_id} {not_yet}")
        return batch

    # -- handlers --------------------------------------------------------------------------------

    async def create(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        body = ctx.json
        requests = body.get("requests") if isinstance(body, Mapping) else None
        problem = _check_requests(requests)
        if problem is not None:
            return json_error(ctx, 400, "invalid_request_error", problem)
        assert isinstance(requests, list)
        headers = ctx.request.headers
        try:
            seconds = float(headers.get("x-fake-batch-processing", self.processing_seconds))
            generated = _optional_int(headers.get("x-fake-results-bytes"))
            malformed = _optional_int(headers.get("x-fake-malformed-line"))
        except ValueError as exc:
            return json_error(ctx, 400, "invalid_request_error", f"invalid x-fake-* batch header: {exc}")
        batch = self._new(time.time(), len(requests), ends_at=time.monotonic() + seconds)
        batch.requests = [dict(r) for r in requests]
        batch.malformed_line = malformed
        if generated is not None:
            batch.generated_bytes = generated
            lines = _generated_line_count(generated)
            batch.record["request_counts"] = {
                "processing": 0,
                "succeeded": lines,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            }
        return json_response(ctx, batch.record)

    async def retrieve(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        batch = self._get(params["batch_id"], _origin(ctx))
        if batch is None:
            return _not_found(ctx, params["batch_id"])
        return json_response(ctx, batch.record)

    async def list(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        origin = _origin(ctx)
        for batch in self._batches.values():
            self._advance(batch, origin)
        newest_first = [b.record for b in reversed(self._batches.values())]
        return page_response(ctx, newest_first)

    async def cancel(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        batch = self._batches.get(params["batch_id"])
        if batch is None:
            return _not_found(ctx, params["batch_id"])
        record = batch.record
        if record["processing_status"] == "in_progress" and time.monotonic() < batch.ends_at:
            record["processing_status"] = "canceling"
            record["cancel_initiated_at"] = rfc3339(datetime.datetime.now(datetime.timezone.utc))
        else:
            self._advance(batch, _origin(ctx))
        return json_response(ctx, record)

    async def delete(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        batch = self._ended(ctx, params["batch_id"], "is still processing; cancel it before deleting it.")
        if not isinstance(batch, _Batch):
            return batch
        del self._batches[params["batch_id"]]
        return json_response(ctx, {"id": params["batch_id"], "type": "message_batch_deleted"})

    async def results(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        batch = self._ended(ctx, params["batch_id"], "has not yet ended; results are not available.")
        if not isinstance(batch, _Batch):
            return batch
        resp = web.StreamResponse(
            status=200, headers=response_headers(ctx.request_id, content_type=RESULTS_CONTENT_TYPE)
        )
        resp.enable_chunked_encoding()
        try:
            await resp.prepare(ctx.request)
            for chunk in _result_chunks(batch):
                await resp.write(chunk)
            await resp.write_eof()
        except ConnectionError:
            pass  # the client stopped reading (an early break): routine
        return resp


# -- helpers ---------------------------------------------------------------------------------------


def _origin(ctx: Context) -> str:
    return str(ctx.request.url.origin())


def _not_found(ctx: Context, batch_id: str) -> web.StreamResponse:
    return json_error(ctx, 404, "not_found_error", f"Message Batch {batch_id} not found.")


def _optional_int(value: str | None) -> int | None:
    if value is None:
        return None
    number = int(value)
    if number < 0:
        raise ValueError(f"{value!r} must be >= 0")
    return number


def _check_requests(requests: Any) -> str | None:
    if not isinstance(requests, list) or not requests:
        return "requests: Input should be a non-empty list"
    if len(requests) > MAX_REQUESTS:
        return f"requests: at most {MAX_REQUESTS} requests per batch"
    seen: set[str] = set()
    for i, request in enumerate(requests):
        if not isinstance(request, Mapping):
            return f"requests.{i}: Input should be an object"
        custom_id = request.get("custom_id")
        if not isinstance(custom_id, str) or not _CUSTOM_ID.match(custom_id):
            return f"requests.{i}.custom_id: must be 1-64 characters of letters, digits, '_' or '-'"
        if custom_id in seen:
            return f"requests.{i}.custom_id: duplicate custom_id {custom_id!r}"
        seen.add(custom_id)
        if not isinstance(request.get("params"), Mapping):
            return f"requests.{i}.params: Input should be an object"
    return None


def _request_problem(params: Mapping[str, Any]) -> str | None:
    if not isinstance(params.get("model"), str):
        return "model: Field required"
    if not isinstance(params.get("max_tokens"), int):
        return "max_tokens: Field required"
    messages = params.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: Field required"
    if params.get("stream"):
        return "stream: streaming is not supported in batches"
    return None


def _result(request: Mapping[str, Any], canceled: bool) -> dict[str, Any]:
    custom_id = request["custom_id"]
    params = request["params"]
    if canceled:
        return {"custom_id": custom_id, "result": {"type": "canceled"}}
    problem = _request_problem(params)
    if problem is not None:
        error = {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": problem},
            "request_id": new_id("req"),
        }
        return {"custom_id": custom_id, "result": {"type": "errored", "error": error}}
    model = params.get("model", DEFAULT_MODEL)
    shape = ReplyShape(new_id("msg"), model, estimate_input_tokens(params), _RESULT_DELTAS, 12)
    message = generated_message(shape)
    schema = output_schema(params)
    if schema is not None:
        message["content"] = [{"type": "text", "text": example_json(schema)}]
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}


def _broken(line: bytes) -> bytes:
    """A line cut in the middle: what a malformed results line looks like."""
    return line[: max(1, len(line) // 2)].rstrip(b"\n") + b"\n"


def _result_chunks(batch: _Batch) -> Iterator[bytes]:
    if batch.generated_bytes is not None:
        yield from _generated_chunks(batch.generated_bytes, batch.malformed_line)
        return
    lines: list[bytes] = []
    for number, result in enumerate(batch.results or (), start=1):
        line = result if isinstance(result, bytes) else encode_json(result)
        line = line.rstrip(b"\n") + b"\n"
        if number == batch.malformed_line:
            line = _broken(line)
        lines.append(line)
        if len(lines) >= _LINES_PER_WRITE:
            yield b"".join(lines)
            lines = []
    if lines:
        yield b"".join(lines)


# -- generated results files ---------------------------------------------------------------------

_DIGITS = 10
_TEMPLATE = (
    encode_json(
        {
            "custom_id": "req-" + "#" * _DIGITS,
            "result": {
                "type": "succeeded",
                "message": generated_message(ReplyShape("msg_01" + "#" * _DIGITS, DEFAULT_MODEL, 25, 40, 12)),
            },
        }
    )
    + b"\n"
)
_PIECES = _TEMPLATE.split(b"#" * _DIGITS)
LINE_BYTES = len(_TEMPLATE)


def _generated_line_count(size: int) -> int:
    return max(1, -(-size // LINE_BYTES))


def _generated_chunks(size: int, malformed_line: int | None) -> Iterator[bytes]:
    """``size`` bytes (rounded up to whole lines) of distinct ``succeeded`` lines."""
    count = _generated_line_count(size)
    head, mid, tail = _PIECES
    for start in range(1, count + 1, _LINES_PER_WRITE):
        stop = min(start + _LINES_PER_WRITE, count + 1)
        lines = [head + b"%010d" % i + mid + b"%010d" % i + tail for i in range(start, stop)]
        if malformed_line is not None and start <= malformed_line < stop:
            lines[malformed_line - start] = _broken(lines[malformed_line - start])
        yield b"".join(lines)
