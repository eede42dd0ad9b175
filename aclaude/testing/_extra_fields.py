"""Fields a client does not know yet, added to what the fake API sends (``Reply(extra_fields=)``).

The real API adds response fields over time; a client must keep them (issue 19). This puts the
given fields into every JSON object of a reply, at every depth (events, the message, its usage,
content blocks, deltas, citations, batch and model objects ...), so a test can check that
none is lost. Tool ``input`` objects are data, not schema: they are left as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["with_extra_fields"]

# Values under these keys are the model's or the user's data, whose keys are not fields.
_DATA_KEYS = frozenset({"input"})


def with_extra_fields(value: Any, extra: Mapping[str, Any]) -> Any:
    """``value`` (decoded JSON) with ``extra`` merged into every object; the declared keys win."""
    if isinstance(value, Mapping):
        out = {k: (v if k in _DATA_KEYS else with_extra_fields(v, extra)) for k, v in value.items()}
        for key, field in extra.items():
            out.setdefault(key, field)
        return out
    if isinstance(value, list):
        return [with_extra_fields(v, extra) for v in value]
    return value
