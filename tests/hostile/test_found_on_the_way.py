"""The smaller holes found while attacking the client (issue 15, item 8 and friends)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

import aclaude
from aclaude._decoders.jsonl import MAX_BLANK_BYTES, JSONLDecoder
from aclaude._http.pagination import AsyncPage, PageBody
from aclaude.relay._app import _decode_frame
from aclaude.testing import FakeAnthropic
from aclaude.types._events import decode_event

KEY = "sk-ant-test-not-a-real-key"
DEEP = "[" * 50_000 + "]" * 50_000  # deep enough for every supported Python (3.13 decodes 5,000)


def test_unknown_event_fields_never_collide() -> None:
    # "a-b" is not an identifier and gets a generated name: it must not be field_0's.
    event = decode_event(b'{"type":"zz","a-b":1,"field_0":2}')
    assert msgspec.json.decode(msgspec.json.encode(event)) == {"type": "zz", "a-b": 1, "field_0": 2}
    assert event.field_0 == 2  # type: ignore[union-attr]


def test_unknown_fields_with_every_generated_name_taken_keep_all_values() -> None:
    event = decode_event(b'{"type":"zz","0":1,"field_0":2,"field_0_":3,"1":4}')
    assert msgspec.json.decode(msgspec.json.encode(event)) == {
        "type": "zz",
        "0": 1,
        "field_0": 2,
        "field_0_": 3,
        "1": 4,
    }


def test_the_relays_prompt_frame_nested_too_deep_is_refused_not_raised() -> None:
    assert _decode_frame('{"prompt": ' + DEEP + "}") is None
    assert _decode_frame('{"prompt": "hi"}') == {"prompt": "hi"}


def test_jsonl_endless_blank_lines_end_with_an_error() -> None:
    decoder = JSONLDecoder()
    with pytest.raises(aclaude.JSONLDecodeError, match="blank lines"):
        for _ in range(MAX_BLANK_BYTES // 4096 + 2):
            decoder.feed(b"\n" * 4096)


def test_jsonl_blank_lines_after_a_result_do_not_lose_it() -> None:
    decoder = JSONLDecoder()
    out = decoder.feed(b'{"a":1}\n' + b"\n" * (MAX_BLANK_BYTES + 10))
    assert out == [(1, b'{"a":1}')]  # handed out; the error comes with the next piece
    with pytest.raises(aclaude.JSONLDecodeError):
        decoder.feed(b"\n")


def test_a_few_blank_lines_are_fine() -> None:
    decoder = JSONLDecoder()
    assert decoder.feed(b"\n\n" + b'{"a":1}\n' + b"\n" * 1000 + b'{"b":2}\n') == [
        (3, b'{"a":1}'),
        (1004, b'{"b":2}'),
    ]


def _page(last_id: str) -> PageBody[Any]:
    return PageBody(data=[{"id": last_id}], has_more=True, first_id=last_id, last_id=last_id)


async def test_a_cursor_that_does_not_advance_raises() -> None:
    async def fetch(params: Any) -> PageBody[Any]:
        return _page("same")

    page = AsyncPage(_page("same"), fetch, {"after_id": "same"})
    with pytest.raises(aclaude.APIResponseValidationError, match="did not advance"):
        page.has_next_page()


async def test_a_cursor_loop_over_two_pages_raises() -> None:
    fetched: list[Any] = []

    async def fetch(params: Any) -> PageBody[Any]:
        fetched.append(dict(params))
        return _page("b" if params.get("after_id") == "a" else "a")

    page = AsyncPage(_page("a"), fetch, {})
    with pytest.raises(aclaude.APIResponseValidationError, match="already followed"):
        async for _ in page:
            assert len(fetched) < 10
    assert len(fetched) <= 3


async def test_a_cursor_that_advances_is_followed_to_the_end() -> None:
    async def fetch(params: Any) -> PageBody[Any]:
        n = int(params["after_id"]) + 1
        return PageBody(data=[{"id": str(n)}], has_more=n < 5, first_id=str(n), last_id=str(n))

    items = [item async for item in AsyncPage(_page("0"), fetch, {})]
    assert [item["id"] for item in items] == ["0", "1", "2", "3", "4", "5"]


def _peak_kib() -> int:
    with open("/proc/self/status") as f:
        match = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:  # Linux: VmHWM back to the current RSS
        f.write("5")


async def test_the_fake_servers_one_byte_chunks_are_made_one_at_a_time() -> None:
    from aclaude.testing._writer import _write_pieces

    class _Stop(Exception):
        pass

    class _Resp:
        writes = 0

        async def write(self, data: Any) -> None:
            self.writes += 1
            if self.writes == 100:
                raise _Stop

    class _Plan:
        chunk_size = 1
        delay_between = 0.0

    pieces = [b"x" * 1024] * 1024  # 1 MiB: a list of views would be ~200 MB
    _reset_peak()
    before = _peak_kib()
    with pytest.raises(_Stop):
        await _write_pieces(_Resp(), pieces, _Plan())  # type: ignore[arg-type]
    assert (_peak_kib() - before) / 1024 < 20


async def test_max_body_bytes_is_kept_by_with_options(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=KEY, base_url=server.url, max_body_bytes=10) as client:
        with pytest.raises(aclaude.APIResponseValidationError, match="max_body_bytes"):
            await client.models.list()
        copy = client.with_options(max_retries=0)
        assert copy.max_body_bytes == 10
        with pytest.raises(aclaude.APIResponseValidationError, match="max_body_bytes"):
            await copy.models.list()


COMPLETION_PARAMS: dict[str, Any] = {
    "model": "claude-2.1",
    "max_tokens_to_sample": 16,
    "prompt": "\n\nHuman: hi\n\nAssistant:",
}


async def test_a_completion_stream_of_the_wrong_content_type_is_refused_not_retried(
    server: FakeAnthropic,
) -> None:
    from aclaude.testing import Reply

    page = b"<html><body>gateway</body></html>"
    server.enqueue(*[Reply.raw(page, content_type="text/html") for _ in range(3)], path="/v1/complete")
    async with aclaude.Client(api_key=KEY, base_url=server.url, max_retries=2) as client:
        with pytest.raises(aclaude.APIResponseValidationError, match="text/html"):
            async for _ in client.completions.create(**COMPLETION_PARAMS, stream=True):
                pass
    assert len(server.requests) == 1


async def test_a_message_stream_of_the_wrong_content_type_is_refused_not_retried(
    server: FakeAnthropic,
) -> None:
    from aclaude.testing import Reply

    server.enqueue(*[Reply.raw(b'{"id": "msg_1"}', content_type="application/json") for _ in range(3)])
    async with aclaude.Client(api_key=KEY, base_url=server.url, max_retries=2) as client:
        with pytest.raises(aclaude.APIResponseValidationError, match="application/json"):
            await client.messages.create(
                model="claude-sonnet-4-6", max_tokens=16, messages=[{"role": "user", "content": "hi"}]
            )
    assert len(server.requests) == 1
