"""Streams: bytes in, typed events out, and what is built from them.

``EventStream`` (one streamed request: retries before content, strict ends), the pure
accumulator (``_accumulate``: snapshot + event -> snapshot), ``MessageStream`` (callbacks, text
stream, final message), and the other streamed bodies (legacy completions, batch results,
structured output). Above ``_http`` and ``_decoders``; below the resources.
"""

from __future__ import annotations

from ._accumulate import (
    CitationEvent,
    CompactionEvent,
    ContentBlockStopEvent,
    InputJsonEvent,
    MessageStopEvent,
    SignatureEvent,
    TextEvent,
    TextSnapshot,
    ThinkingEvent,
)
from ._batch_results import (
    BatchResults,
)
from ._completion_stream import (
    CompletionStream,
)
from ._event_stream import (
    EventStream,
)
from ._message_stream import (
    MessageStream,
    MessageStreamManager,
)
from ._parse import (
    ParsedMessage,
    ParsedMessageStream,
    ParsedMessageStreamManager,
)
from ._timings import (
    StreamTimings,
)

__all__ = [
    "BatchResults",
    "CitationEvent",
    "CompactionEvent",
    "CompletionStream",
    "ContentBlockStopEvent",
    "EventStream",
    "InputJsonEvent",
    "MessageStopEvent",
    "MessageStream",
    "MessageStreamManager",
    "ParsedMessage",
    "ParsedMessageStream",
    "ParsedMessageStreamManager",
    "SignatureEvent",
    "StreamTimings",
    "TextEvent",
    "TextSnapshot",
    "ThinkingEvent",
]
