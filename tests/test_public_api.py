"""The public surface: ``aclaude.__all__``, the names README.md and docs/api-surface.md
promise, the exception tree drawn at the top of aclaude/_exceptions.py, and the typing marker."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import aclaude

REPO_ROOT = Path(__file__).resolve().parent.parent

REQUIRED = [
    # client
    "Client",
    "AsyncAnthropic",
    "Timeout",
    "__version__",
    # streams and their events
    "EventStream",
    "MessageStream",
    "MessageStreamManager",
    "RawMessageStreamEvent",
    "RawMessageStartEvent",
    "RawMessageDeltaEvent",
    "RawMessageStopEvent",
    "RawContentBlockStartEvent",
    "RawContentBlockDeltaEvent",
    "RawContentBlockStopEvent",
    "MessageStartEvent",
    "MessageDeltaEvent",
    "MessageStopEvent",
    "ContentBlockStartEvent",
    "ContentBlockDeltaEvent",
    "ContentBlockStopEvent",
    "PingEvent",
    "ErrorEvent",
    "UnknownEvent",
    "TextDelta",
    "InputJSONDelta",
    "CitationsDelta",
    "ThinkingDelta",
    "SignatureDelta",
    "UnknownDelta",
    "TextEvent",
    "TextSnapshot",
    "InputJsonEvent",
    "ThinkingEvent",
    "SignatureEvent",
    "CitationEvent",
    # models
    "Message",
    "Usage",
    "ContentBlock",
    "TextBlock",
    "ToolUseBlock",
    "ThinkingBlock",
    "RedactedThinkingBlock",
    "ServerToolUseBlock",
    "WebSearchToolResultBlock",
    "UnknownContentBlock",
    "UnknownCitation",
    # errors (the tree at the top of aclaude/_exceptions.py)
    "AnthropicError",
    "APIError",
    "APIStatusError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "IncompleteStreamError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
    "GatewayTimeoutError",
    "OverloadedError",
    "ClientClosedError",
    "StreamAlreadyConsumedError",
    "NoNextPageError",
    "UnsupportedOnPlatformError",
]

# (class, its parents) as drawn at the top of aclaude/_exceptions.py. The misuse errors are
# also the builtin they replace, so that `except RuntimeError` written before them still works.
HIERARCHY: list[tuple[str, str | tuple[str, ...]]] = [
    ("AnthropicError", "Exception"),
    ("APIError", "AnthropicError"),
    ("APIStatusError", "APIError"),
    ("BadRequestError", "APIStatusError"),
    ("AuthenticationError", "APIStatusError"),
    ("PaymentRequiredError", "APIStatusError"),
    ("PermissionDeniedError", "APIStatusError"),
    ("NotFoundError", "APIStatusError"),
    ("RequestTimeoutError", "APIStatusError"),
    ("ConflictError", "APIStatusError"),
    ("PreconditionFailedError", "APIStatusError"),
    ("RequestTooLargeError", "APIStatusError"),
    ("ContentTooLargeError", "APIStatusError"),
    ("UnprocessableEntityError", "APIStatusError"),
    ("RateLimitError", "APIStatusError"),
    ("RequestHeaderFieldsTooLargeError", "APIStatusError"),
    ("ClientClosedRequestError", "APIStatusError"),
    ("InternalServerError", "APIStatusError"),
    ("HTTPNotImplementedError", "InternalServerError"),
    ("ServiceUnavailableError", "InternalServerError"),
    ("GatewayTimeoutError", "InternalServerError"),
    ("OverloadedError", "InternalServerError"),
    # message threads (beta): told apart by error.details.error_code
    ("ThreadNotFoundError", "NotFoundError"),
    ("ThreadAlreadyContinuedError", "BadRequestError"),
    ("ThreadContinueInFlightError", "BadRequestError"),
    ("ThreadFingerprintMismatchError", "BadRequestError"),
    ("ThreadUnsupportedRequestError", "BadRequestError"),
    ("APIConnectionError", "APIError"),
    ("APITimeoutError", "APIConnectionError"),
    ("IncompleteStreamError", "APIConnectionError"),
    ("APIUserAbortError", "APIError"),
    ("APIResponseValidationError", "APIError"),
    ("JSONLDecodeError", "APIResponseValidationError"),
    ("StructuredOutputError", "APIResponseValidationError"),
    ("RateLimitWaitError", "APIError"),
    ("ClientClosedError", ("AnthropicError", "RuntimeError")),
    ("StreamAlreadyConsumedError", ("AnthropicError", "RuntimeError")),
    ("NoNextPageError", ("AnthropicError", "RuntimeError")),
    ("UnsupportedOnPlatformError", ("AnthropicError", "NotImplementedError")),
]

_BUILTINS = {"Exception": Exception, "RuntimeError": RuntimeError, "NotImplementedError": NotImplementedError}


def _cls(name: str) -> type:
    return _BUILTINS.get(name) or getattr(aclaude, name)


def test_all_is_unique() -> None:
    # ``__all__`` is built from each layer's own list, so a name exported twice would be a clash.
    names = list(aclaude.__all__)
    assert len(names) == len(set(names))


def test_every_name_in_all_exists() -> None:
    missing = [name for name in aclaude.__all__ if not hasattr(aclaude, name)]
    assert missing == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from aclaude import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(aclaude.__all__)


@pytest.mark.parametrize("name", REQUIRED)
def test_required_public_name(name: str) -> None:
    assert name in aclaude.__all__
    assert getattr(aclaude, name) is not None


def test_official_sdk_names_are_aliases() -> None:
    assert aclaude.AsyncAnthropic is aclaude.Client
    assert aclaude.MessageStartEvent is aclaude.RawMessageStartEvent
    assert aclaude.MessageDeltaEvent is aclaude.RawMessageDeltaEvent
    assert aclaude.ContentBlockStartEvent is aclaude.RawContentBlockStartEvent
    assert aclaude.ContentBlockDeltaEvent is aclaude.RawContentBlockDeltaEvent
    # The derived stop events are the raw ones with more data: an isinstance check on the raw
    # type keeps working.
    assert issubclass(aclaude.ContentBlockStopEvent, aclaude.RawContentBlockStopEvent)
    assert issubclass(aclaude.MessageStopEvent, aclaude.RawMessageStopEvent)


@pytest.mark.parametrize(("name", "parent"), HIERARCHY, ids=[h[0] for h in HIERARCHY])
def test_exception_hierarchy(name: str, parent: str | tuple[str, ...]) -> None:
    cls = _cls(name)
    parents = parent if isinstance(parent, tuple) else (parent,)
    assert cls.__bases__ == tuple(_cls(p) for p in parents)
    assert issubclass(cls, aclaude.AnthropicError) or name == "AnthropicError"


def test_misuse_errors_are_not_api_errors() -> None:
    """``except APIError`` around a call means "the call failed", not "the program is wrong"."""
    for name, _ in HIERARCHY[-4:]:  # the misuse errors
        assert not issubclass(_cls(name), aclaude.APIError), name


def test_exception_branches_are_disjoint() -> None:
    branches = [aclaude.APIStatusError, aclaude.APIConnectionError, aclaude.APIResponseValidationError]
    for a in branches:
        for b in branches:
            assert (a is b) == issubclass(a, b)
    assert not issubclass(aclaude.IncompleteStreamError, aclaude.APITimeoutError)
    assert not issubclass(aclaude.APITimeoutError, aclaude.IncompleteStreamError)


def test_every_exported_error_is_in_the_tree() -> None:
    exported = {
        name
        for name in aclaude.__all__
        if inspect.isclass(getattr(aclaude, name)) and issubclass(getattr(aclaude, name), BaseException)
    }
    assert exported == {name for name, _ in HIERARCHY}


def test_error_names_match_the_official_sdk() -> None:
    """Moving a service over is a rename: ``except anthropic.X`` becomes ``except aclaude.X``."""
    anthropic = pytest.importorskip("anthropic")
    aclaude_only = {
        "IncompleteStreamError",
        "JSONLDecodeError",
        "StructuredOutputError",
        "ClientClosedError",
        "StreamAlreadyConsumedError",
        "NoNextPageError",
        "UnsupportedOnPlatformError",
        "RateLimitWaitError",
        "APIUserAbortError",
    }
    for name, _ in HIERARCHY:
        if name not in aclaude_only:
            # The SDK keeps the errors named by an error_code (Thread*Error) in anthropic.types.
            assert hasattr(anthropic, name) or hasattr(anthropic.types, name), name


def test_status_error_attributes() -> None:
    exc = aclaude.RateLimitError(
        "Error code: 429",
        status_code=429,
        body={"type": "error"},
        error_type="rate_limit_error",
        request_id="req_01X",
    )
    assert (exc.status_code, exc.body, exc.type) == (429, {"type": "error"}, "rate_limit_error")
    assert exc.request_id == "req_01X"
    assert exc.partial_message is None and exc.events_received == 0
    incomplete = aclaude.IncompleteStreamError("ended", clean_eof=True, events_received=3)
    assert incomplete.clean_eof is True and incomplete.events_received == 3


def test_py_typed_ships() -> None:
    marker = importlib.resources.files("aclaude").joinpath("py.typed")
    assert marker.is_file()
    tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["aclaude"]


def test_version_matches_the_distribution() -> None:
    assert aclaude.__version__ == importlib.metadata.version("aclaude")


def test_import_does_not_pull_in_the_official_sdk_or_the_fake_server() -> None:
    code = (
        "import sys, aclaude\n"
        "names = ('anthropic', 'httpx', 'pydantic', 'aclaude.testing', 'aiohttp.web')\n"
        "bad = [m for m in names if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_public_methods_have_docstrings() -> None:
    client = aclaude.Client(api_key="sk-ant-test-not-a-real-key", base_url="http://127.0.0.1:9")
    methods = [
        aclaude.Client,
        aclaude.Client.close,
        client.messages.create,
        client.messages.stream,
        aclaude.EventStream,
        aclaude.EventStream.close,
        aclaude.MessageStream,
        aclaude.MessageStream.on,
        aclaude.MessageStream.get_final_message,
        aclaude.MessageStream.get_final_text,
        aclaude.MessageStream.until_done,
        aclaude.MessageStream.close,
        aclaude.Message,
    ]
    assert [m for m in methods if not inspect.getdoc(m)] == []
