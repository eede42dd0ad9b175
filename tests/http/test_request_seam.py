"""The one request seam: every attempt is a ``PreparedRequest`` passed through
``Client._prepare_request`` (the plain client's and each platform's), then sent by
``aclaude/_http/transport.py``, the only client module that imports aiohttp."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from conftest import API_KEY

import aclaude
from aclaude._http.transport import PreparedRequest
from aclaude.testing import FakeAnthropic, Reply

PACKAGE = Path(aclaude.__file__).resolve().parent
# aiohttp servers of their own, not the client.
SERVERS = ("relay", "testing")


class _Recording(aclaude.Client):
    """A client whose seam records each attempt and rewrites the path of one endpoint."""

    seen: list[tuple[PreparedRequest, bool]]

    async def _prepare_request(self, request: PreparedRequest) -> PreparedRequest:
        self.seen.append((request, request.headers is self._headers))
        request = await super()._prepare_request(request)
        if request.path == "/v1/rewrite-me":
            request.url = self.base_url + "/v1/models"
            request.headers = {**request.headers, "x-seam": "yes"}
        return request


async def test_every_attempt_passes_the_seam(server: FakeAnthropic, params: dict[str, Any]) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "busy"), Reply.text("hi"))
    async with _Recording(api_key=API_KEY, base_url=server.url, max_retries=1) as client:
        client.seen = []
        message = await client.messages.create(**params)
    assert message.content[0].text == "hi"  # type: ignore[union-attr]
    assert [(r.method, r.path, r.url) for r, _ in client.seen] == [
        ("POST", "/v1/messages", server.url + "/v1/messages")
    ] * 2
    first, second = client.seen[0][0], client.seen[1][0]
    assert first is not second  # a retry is prepared afresh (a platform re-signs it)
    assert first.json["stream"] is True and first.json["model"] == params["model"]
    assert first.content is None and first.params is None
    assert repr(first) == f"<PreparedRequest POST {server.url}/v1/messages>"  # no headers, no key


async def test_the_first_attempt_sends_the_shared_headers_uncopied(
    server: FakeAnthropic, params: dict[str, Any]
) -> None:
    server.enqueue(Reply.text("a"), Reply.text("b"))
    async with _Recording(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        client.seen = []
        await client.messages.create(**params)
        await client.messages.create(**params, extra_headers={"x-one": "1"})
    assert [shared for _, shared in client.seen] == [True, False]
    assert client.seen[1][0].headers["x-one"] == "1"
    assert "x-one" not in client._headers


async def test_what_the_seam_changes_goes_on_the_wire(server: FakeAnthropic) -> None:
    async with _Recording(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        client.seen = []
        body = await client.get("/v1/rewrite-me")
    assert "data" in body
    assert server.requests[-1].path == "/v1/models"
    assert server.requests[-1].headers["x-seam"] == "yes"


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Top-level module names imported outside ``if TYPE_CHECKING:`` blocks."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_only_the_transport_module_imports_aiohttp() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in SERVERS
        and "aiohttp" in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    )
    assert importers == ["_http/transport.py"]
