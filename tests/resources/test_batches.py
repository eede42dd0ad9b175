"""Message Batches over loopback HTTP, the sans-IO JSONL decoder, and bounded memory of results."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
from typing import Any

import msgspec
import pytest

import aclaude
from aclaude._decoders.jsonl import JSONLDecodeError, JSONLDecoder
from aclaude.testing import FakeAnthropic, Reply
from aclaude.types._batches import UnknownBatchResult, decode_result_line

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}


def requests(n: int, prefix: str = "req") -> list[dict[str, Any]]:
    return [{"custom_id": f"{prefix}-{i}", "params": PARAMS} for i in range(n)]


def message(text: str = "hi") -> dict[str, Any]:
    return {
        "id": "msg_01A",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    }


def succeeded(custom_id: str, text: str = "hi") -> dict[str, Any]:
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message(text)}}


ERRORED = {
    "custom_id": "e1",
    "result": {
        "type": "errored",
        "error": {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
            "request_id": "req_01B",
        },
    },
}
CANCELED = {"custom_id": "c1", "result": {"type": "canceled"}}
EXPIRED = {"custom_id": "x1", "result": {"type": "expired"}}


# -- create / retrieve / list / cancel / delete --------------------------------------------------


async def test_create_then_retrieve_until_ended(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch = await client.messages.batches.create(requests=requests(3))
    assert isinstance(batch, aclaude.MessageBatch)
    assert batch.id.startswith("msgbatch_01") and batch.type == "message_batch"
    assert batch.processing_status == "in_progress" and batch.results_url is None
    assert batch.request_counts.processing == 3
    assert server.requests[0].json == {"requests": requests(3)}
    ended = await client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended"
    assert ended.request_counts.succeeded == 3 and ended.request_counts.processing == 0
    assert ended.ended_at is not None and ended.expires_at > ended.created_at
    assert ended.results_url == f"{server.url}/v1/messages/batches/{batch.id}/results"


async def test_requests_may_be_structs(client: aclaude.Client, server: FakeAnthropic) -> None:
    class Params(msgspec.Struct):
        model: str
        max_tokens: int
        messages: list[dict[str, str]]

    class Request(msgspec.Struct):
        custom_id: str
        params: Params

    await client.messages.batches.create(
        requests=[Request("s1", Params("claude-sonnet-4-6", 8, [{"role": "user", "content": "x"}]))]
    )
    assert server.requests[0].json["requests"][0]["params"]["max_tokens"] == 8


async def test_invalid_batch_is_a_400(client: aclaude.Client) -> None:
    with pytest.raises(aclaude.BadRequestError, match="duplicate custom_id"):
        await client.messages.batches.create(requests=requests(1) + requests(1))
    with pytest.raises(aclaude.BadRequestError, match="non-empty"):
        await client.messages.batches.create(requests=[])


async def test_list_walks_all_batches_newest_first(client: aclaude.Client) -> None:
    created = [await client.messages.batches.create(requests=requests(1)) for _ in range(5)]
    page = await client.messages.batches.list(limit=2)
    assert [b.id for b in page.data] == [created[4].id, created[3].id]
    assert page.has_more and page.first_id == created[4].id and page.last_id == created[3].id
    ids = [b.id async for b in client.messages.batches.list(limit=2)]
    assert ids == [b.id for b in reversed(created)]


async def test_cancel_a_processing_batch(client: aclaude.Client) -> None:
    batch = await client.messages.batches.create(
        requests=requests(2), extra_headers={"x-fake-batch-processing": "60"}
    )
    assert (await client.messages.batches.retrieve(batch.id)).processing_status == "in_progress"
    canceling = await client.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None
    ended = await client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled == 2
    results = [r async for r in client.messages.batches.results(batch.id)]
    assert [r.result.type for r in results] == ["canceled", "canceled"]
    assert all(isinstance(r.result, aclaude.MessageBatchCanceledResult) for r in results)


async def test_delete(client: aclaude.Client) -> None:
    batch = await client.messages.batches.create(
        requests=requests(1), extra_headers={"x-fake-batch-processing": "60"}
    )
    with pytest.raises(aclaude.BadRequestError, match="still processing"):
        await client.messages.batches.delete(batch.id)
    await client.messages.batches.cancel(batch.id)
    deleted = await client.messages.batches.delete(batch.id)
    assert isinstance(deleted, aclaude.DeletedMessageBatch)
    assert (deleted.id, deleted.type) == (batch.id, "message_batch_deleted")
    with pytest.raises(aclaude.NotFoundError):
        await client.messages.batches.retrieve(batch.id)


async def test_extra_body_goes_with_all_but_get(client: aclaude.Client, server: FakeAnthropic) -> None:
    # As the official SDK: a GET carries no body; POST and DELETE carry extra_body as JSON.
    extra = {"note": "x"}
    batch = await client.messages.batches.create(requests=requests(1), extra_body=extra)
    assert server.requests[-1].json == {"requests": requests(1), "note": "x"}
    await client.messages.batches.retrieve(batch.id, extra_body=extra)
    assert server.requests[-1].json is None
    await client.messages.batches.cancel(batch.id, extra_body=extra)
    assert server.requests[-1].json == extra
    await client.messages.batches.delete(batch.id, extra_body=extra)
    assert (server.requests[-1].method, server.requests[-1].json) == ("DELETE", extra)
    meta = await client.beta.files.upload(file=("a.txt", b"x"))
    await client.beta.files.delete(meta.id, extra_body=extra)
    assert (server.requests[-1].method, server.requests[-1].json) == ("DELETE", extra)


@pytest.mark.parametrize("call", ["retrieve", "cancel", "delete", "results"])
async def test_unknown_id_is_a_404(client: aclaude.Client, call: str) -> None:
    batches = client.messages.batches
    with pytest.raises(aclaude.NotFoundError) as info:
        if call == "results":
            async for _ in batches.results("msgbatch_nope"):
                pass
        else:
            await getattr(batches, call)("msgbatch_nope")
    assert info.value.status_code == 404 and "msgbatch_nope" in str(info.value)


async def test_empty_id_fails_before_any_request(client: aclaude.Client, server: FakeAnthropic) -> None:
    with pytest.raises(ValueError, match="message_batch_id"):
        await client.messages.batches.retrieve("")
    with pytest.raises(ValueError, match="message_batch_id"):
        client.messages.batches.results("")
    assert server.requests == []


# -- results ---------------------------------------------------------------------------------------


async def test_results_are_typed_and_keyed_by_custom_id(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    batch = await client.messages.batches.create(
        requests=[*requests(2), {"custom_id": "broken", "params": {"model": "x"}}]
    )
    by_id = {r.custom_id: r.result async for r in client.messages.batches.results(batch.id)}
    assert set(by_id) == {"req-0", "req-1", "broken"}
    ok = by_id["req-0"]
    assert isinstance(ok, aclaude.MessageBatchSucceededResult)
    assert isinstance(ok.message, aclaude.Message) and ok.message.content[0].type == "text"
    bad = by_id["broken"]
    assert isinstance(bad, aclaude.MessageBatchErroredResult)
    assert bad.error.error.type == "invalid_request_error" and "max_tokens" in (bad.error.error.message or "")
    # The results request went to the results_url, with the SDK's accept header.
    get = server.requests[-1]
    assert get.path == f"/v1/messages/batches/{batch.id}/results"
    assert get.headers["accept"] == "application/binary"


async def test_every_result_type_round_trips(client: aclaude.Client, server: FakeAnthropic) -> None:
    lines = [succeeded("s1"), ERRORED, CANCELED, EXPIRED]
    batch_id = server.resources.batches.add(lines)
    results = [r async for r in client.messages.batches.results(batch_id)]
    assert [type(r.result) for r in results] == [
        aclaude.MessageBatchSucceededResult,
        aclaude.MessageBatchErroredResult,
        aclaude.MessageBatchCanceledResult,
        aclaude.MessageBatchExpiredResult,
    ]
    assert [msgspec.to_builtins(r) for r in results] == [_drop_nulls(x) for x in lines]
    counts = (await client.messages.batches.retrieve(batch_id)).request_counts
    assert (counts.succeeded, counts.errored, counts.canceled, counts.expired) == (1, 1, 1, 1)


async def test_unknown_result_and_block_types_pass_through(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    future_block = {"type": "hologram", "frames": 3, "data": {"x": 1}}
    with_block = succeeded("s1")
    with_block["result"]["message"]["content"].append(future_block)
    future_result = {"custom_id": "f1", "result": {"type": "deferred", "until": "tomorrow"}}
    batch_id = server.resources.batches.add([with_block, future_result])
    first, second = [r async for r in client.messages.batches.results(batch_id)]
    assert isinstance(first.result, aclaude.MessageBatchSucceededResult)
    block = first.result.message.content[1]
    assert msgspec.to_builtins(block) == future_block
    assert isinstance(second.result, UnknownBatchResult)
    assert msgspec.to_builtins(second) == future_result


async def test_malformed_line_names_its_number_and_keeps_earlier_results(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    batch = await client.messages.batches.create(
        requests=requests(5), extra_headers={"x-fake-malformed-line": "4"}
    )
    got: list[str] = []
    with pytest.raises(JSONLDecodeError) as info:
        async for result in client.messages.batches.results(batch.id):
            got.append(result.custom_id)
    assert got == ["req-0", "req-1", "req-2"]
    assert info.value.line_number == 4
    assert "line 4" in str(info.value) and "not valid JSON" in str(info.value)
    assert isinstance(info.value, aclaude.APIResponseValidationError)
    assert info.value.events_received == 3 and info.value.request_id


async def test_a_line_of_the_wrong_shape_is_named_too(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded("a"), b'{"result": {"type": "canceled"}}', CANCELED])
    with pytest.raises(JSONLDecodeError, match="line 2 has no string 'custom_id'"):
        async for _ in client.messages.batches.results(batch_id):
            pass


async def test_results_before_the_batch_ended_is_a_clear_error(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    batch = await client.messages.batches.create(
        requests=requests(1), extra_headers={"x-fake-batch-processing": "60"}
    )
    with pytest.raises(aclaude.APIError, match="in_progress"):
        await client.messages.batches.results(batch.id)
    assert not server.requests[-1].path.endswith("/results")


async def test_await_first_then_iterate_like_the_sdk(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded("a"), succeeded("b")])
    results = await client.messages.batches.results(batch_id)
    assert isinstance(results, aclaude.BatchResults)
    assert results.response is not None and results.response.status == 200
    assert results.request_id
    assert [r.custom_id async for r in results] == ["a", "b"]
    assert results.results_read == 2


async def test_early_break_frees_the_connection(server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded(f"r{i}") for i in range(5000)])
    async with aclaude.Client(api_key="k", base_url=server.url, max_connections=1) as client:
        for _ in range(20):
            async with client.messages.batches.results(batch_id) as results:
                async for _result in results:
                    break
        # The single pooled connection is usable again: nothing was left checked out.
        assert len([r async for r in client.messages.batches.results(batch_id)]) == 5000


async def test_foreign_results_url_is_not_followed(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded("a")])
    record = await client.messages.batches.retrieve(batch_id)
    server.enqueue(
        Reply.json({**msgspec.to_builtins(record), "results_url": "https://evil.example/steal"}),
        path=f"/v1/messages/batches/{batch_id}",
    )
    results = [r.custom_id async for r in client.messages.batches.results(batch_id)]
    assert results == ["a"]
    assert server.requests[-1].path == f"/v1/messages/batches/{batch_id}/results"


async def test_connection_dropped_mid_file(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded("a")])
    lines = b"".join(json.dumps(succeeded(f"r{i}")).encode() + b"\n" for i in range(3))
    server.enqueue(
        Reply.raw(lines + b'{"custom_id": "r3", "res', abort=True, content_type="application/x-jsonl"),
        path=f"/v1/messages/batches/{batch_id}/results",
    )
    got = []
    with pytest.raises(aclaude.APIConnectionError) as info:
        async for result in client.messages.batches.results(batch_id):
            got.append(result.custom_id)
    assert got == ["r0", "r1", "r2"] and info.value.events_received == 3


async def test_beta_batches_send_betas(client: aclaude.Client, server: FakeAnthropic) -> None:
    batch = await client.beta.messages.batches.create(
        requests=requests(1), betas=["message-batches-2024-09-24"]
    )
    [r async for r in client.beta.messages.batches.results(batch.id, betas=["message-batches-2024-09-24"])]
    assert all(r.headers["anthropic-beta"] == "message-batches-2024-09-24" for r in server.requests)


async def test_results_status_error_is_retried(server: FakeAnthropic) -> None:
    batch_id = server.resources.batches.add([succeeded("a")])
    server.enqueue(
        Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}),
        path=f"/v1/messages/batches/{batch_id}/results",
    )
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=1) as client:
        assert [r.custom_id async for r in client.messages.batches.results(batch_id)] == ["a"]


# -- bounded memory ------------------------------------------------------------------------------


async def test_50_mb_of_results_stream_in_flat_memory(client: aclaude.Client, server: FakeAnthropic) -> None:
    size = 50 * 1024 * 1024
    batch = await client.messages.batches.create(
        requests=requests(1), extra_headers={"x-fake-results-bytes": str(size)}
    )
    await client.messages.batches.retrieve(batch.id)
    gc.collect()
    tracemalloc.start()
    try:
        count = 0
        async for result in client.messages.batches.results(batch.id):
            count += 1
            assert result.result.type == "succeeded"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == (await client.messages.batches.retrieve(batch.id)).request_counts.succeeded
    assert count * 1000 > size  # ~1.2 KB lines: the whole file went through
    # Client and server share this process; both hold a chunk, never the file.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"


# -- the sans-IO JSONL decoder ---------------------------------------------------------------------

DOC = b'{"a":1}\n\n{"b":"\xc3\xa9\xe2\x80\xa8"}\r\n  \n{"c":[1,2]}'
EXPECTED = [(1, b'{"a":1}'), (3, b'{"b":"\xc3\xa9\xe2\x80\xa8"}'), (5, b'{"c":[1,2]}')]


def run(chunks: list[bytes], **kwargs: Any) -> list[tuple[int, bytes]]:
    decoder = JSONLDecoder(**kwargs)
    out = [line for chunk in chunks for line in decoder.feed(chunk)]
    last = decoder.close()
    return out + ([last] if last else [])


def test_jsonl_lines_numbers_blank_lines_crlf_and_final_line() -> None:
    assert run([DOC]) == EXPECTED


def test_jsonl_byte_at_a_time_is_the_same() -> None:
    assert run([DOC[i : i + 1] for i in range(len(DOC))]) == EXPECTED


@pytest.mark.parametrize("seed", range(20), ids=lambda s: f"seed={s}")
def test_jsonl_any_split_is_the_same(seed: int) -> None:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(DOC)), rng.randrange(1, 8)))
    chunks = [DOC[a:b] for a, b in zip([0, *cuts], [*cuts, len(DOC)], strict=True)]
    assert run(chunks) == EXPECTED


def test_jsonl_empty_input_and_empty_chunks() -> None:
    assert run([]) == [] and run([b"", b"", b"\n\n"]) == []
    decoder = JSONLDecoder()
    assert decoder.feed(b"") == [] and decoder.close() is None


def test_jsonl_line_too_long_is_bounded_and_named() -> None:
    decoder = JSONLDecoder(max_line_bytes=10)
    assert decoder.feed(b'{"a":1}\n') == [(1, b'{"a":1}')]
    with pytest.raises(JSONLDecodeError, match="line 2 is longer than the limit of 10 bytes") as info:
        for _ in range(100):
            decoder.feed(b"xxxx")  # a line that never ends
    assert info.value.line_number == 2
    with pytest.raises(JSONLDecodeError, match="line 1"):
        JSONLDecoder(max_line_bytes=4).feed(b"12345\n")


def test_decode_result_line_errors() -> None:
    with pytest.raises(JSONLDecodeError, match="line 7 is not valid JSON"):
        decode_result_line(b'{"custom_id": ', 7)
    with pytest.raises(JSONLDecodeError, match="line 2 has no 'result'"):
        decode_result_line(b'{"custom_id": "a"}', 2)
    with pytest.raises(JSONLDecodeError, match="line 3 has an invalid result"):
        decode_result_line(b'{"custom_id": "a", "result": {"type": "succeeded", "message": {"id": 1}}}', 3)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
