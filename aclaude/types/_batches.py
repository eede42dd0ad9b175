"""Typed models of Message Batches (``client.messages.batches``) and the decoder of one results line.

A results file can hold a hundred thousand lines, so ``decode_result_line`` takes one C call per
line on the fast path (a module-level msgspec decoder). Only a line that the typed decode
rejects takes the slow path, which tells a type this client does not know yet (a new content
block inside a succeeded message, a new result type: passed through with every field kept, as
in streams) from a line that is really broken (``APIResponseValidationError``).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import msgspec

from .._exceptions import APIResponseValidationError, JSONLDecodeError
from . import _events as _events  # registers the content-block unions first
from ._base import Unknown, tags_as_types
from ._extras import convert_keeping_extras, register_unknown
from ._message import Message
from ._request_id import WithRequestId

__all__ = [
    "DeletedMessageBatch",
    "MessageBatch",
    "MessageBatchCanceledResult",
    "MessageBatchErroredResult",
    "MessageBatchExpiredResult",
    "MessageBatchIndividualResponse",
    "MessageBatchRequestCounts",
    "MessageBatchResult",
    "MessageBatchSucceededResult",
    "BatchErrorObject",
    "BatchErrorResponse",
    "UnknownBatchResult",
]  # decode_result_line is the stream layer's, imported from this module; not a wire type


class _Model(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    pass


class MessageBatchRequestCounts(_Model):
    processing: int
    succeeded: int
    errored: int
    canceled: int
    expired: int


class MessageBatch(_Model, WithRequestId, dict=True):
    """A Message Batch. ``processing_status`` is ``"in_progress"``, ``"canceling"`` or ``"ended"``;
    ``results_url`` is set once it has ended."""

    id: str
    type: str
    processing_status: str
    request_counts: MessageBatchRequestCounts
    created_at: datetime.datetime
    expires_at: datetime.datetime
    ended_at: datetime.datetime | None = None
    archived_at: datetime.datetime | None = None
    cancel_initiated_at: datetime.datetime | None = None
    results_url: str | None = None


class DeletedMessageBatch(_Model, WithRequestId, dict=True):
    id: str
    type: str


# -- one line of the results file --------------------------------------------------------------


class BatchErrorObject(_Model):
    """``{"type": "invalid_request_error", "message": ...}``: why one request failed."""

    type: str
    message: str | None = None
    details: Any = None


class BatchErrorResponse(_Model):
    type: str
    error: BatchErrorObject
    request_id: str | None = None


class _Result(_Model, tag_field="type"):
    type: ClassVar[str]  # the tag (tags_as_types)


class MessageBatchSucceededResult(_Result, tag="succeeded"):
    message: Message


class MessageBatchErroredResult(_Result, tag="errored"):
    error: BatchErrorResponse


class MessageBatchCanceledResult(_Result, tag="canceled"):
    """The request was canceled before it was processed."""


class MessageBatchExpiredResult(_Result, tag="expired"):
    """The batch expired before the request was processed."""


class UnknownBatchResult(Unknown):
    """A result type this client does not know yet (every field kept)."""


MessageBatchResult = (
    MessageBatchSucceededResult
    | MessageBatchErroredResult
    | MessageBatchCanceledResult
    | MessageBatchExpiredResult
)
register_unknown(MessageBatchResult, UnknownBatchResult)
tags_as_types(MessageBatchResult)


class MessageBatchIndividualResponse(_Model):
    """One line of the results file: a request's ``custom_id`` and its ``result`` (switch on
    ``result.type``; an ``UnknownBatchResult`` at run time for a type added later)."""

    custom_id: str
    result: MessageBatchResult


_decoder = msgspec.json.Decoder(MessageBatchIndividualResponse)


def decode_result_line(line: bytes, line_number: int) -> MessageBatchIndividualResponse:
    """Decode one JSONL line of a results file; errors name the line."""
    try:
        return _decoder.decode(line)
    except msgspec.ValidationError:
        return _decode_slow(line, line_number)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nested deeper than msgspec's limit (a few KB of brackets).
        raise _bad_line(line_number, f"is not valid JSON: {exc}", line) from exc


def _decode_slow(line: bytes, line_number: int) -> MessageBatchIndividualResponse:
    try:
        obj = msgspec.json.decode(line)  # valid JSON: the fast path only failed validation
    except (msgspec.DecodeError, RecursionError) as exc:
        # The typed decoder stops at the first field of the wrong type: what follows (trailing
        # bytes, nesting deeper than msgspec's limit) is only seen here.
        raise _bad_line(line_number, f"is not valid JSON: {exc}", line) from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("custom_id"), str):
        raise _bad_line(line_number, "has no string 'custom_id'", line)
    result = obj.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("type"), str):
        raise _bad_line(line_number, "has no 'result' object with a string 'type'", line)
    try:
        typed: MessageBatchIndividualResponse = convert_keeping_extras(obj, MessageBatchIndividualResponse)
    except (APIResponseValidationError, RecursionError) as exc:
        raise _bad_line(line_number, f"has an invalid result: {exc}", line) from exc
    return typed


def _bad_line(line_number: int, problem: str, line: bytes) -> APIResponseValidationError:
    preview = line[:200].decode("utf-8", "replace") + ("..." if len(line) > 200 else "")
    return JSONLDecodeError(f"batch results line {line_number} {problem}: {preview}", line_number=line_number)
