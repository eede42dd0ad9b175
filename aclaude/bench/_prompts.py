"""What each benchmark request sends: prompts from a JSON Lines file, or synthetic ones.

A JSONL line is one request: ``{"messages": [...], "max_tokens": 256}`` with optional
``"system"``, ``"tools"`` and ``"tool_choice"`` (the Messages API's own fields); requests take
the lines in order, round-robin. Synthetic prompts aim at ``input_tokens`` (about four
characters of English per token: the API counts the real number, reported per request) and ask
for ``output_tokens`` (``max_tokens``; against the embedded fake API the reply has exactly that
many tokens, one per delta).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["PromptError", "RequestSpec", "load_jsonl", "synthetic"]

# Words to build synthetic prompts from (varied, so no two prompts share a long prefix cache).
_WORDS = (
    "stream event token latency socket buffer server client request response model message "
    "content delta window budget queue timer thread loop signal packet header payload cache "
    "river mountain lantern harbor meadow copper violet summer winter autumn spring garden"
).split()
_CHARS_PER_TOKEN = 4


class PromptError(ValueError):
    """A prompts file that cannot be used (the message names the file and line)."""


class RequestSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One request's body fields (model excluded: the run's)."""

    messages: list[Any]
    max_tokens: int
    system: Any = msgspec.UNSET
    tools: Any = msgspec.UNSET
    tool_choice: Any = msgspec.UNSET

    def params(self) -> dict[str, Any]:
        """Keyword arguments for ``messages.create`` (unset optional fields left out)."""
        params: dict[str, Any] = {"messages": self.messages, "max_tokens": self.max_tokens}
        for name in ("system", "tools", "tool_choice"):
            value = getattr(self, name)
            if value is not msgspec.UNSET:
                params[name] = value
        return params


_line_decoder = msgspec.json.Decoder(RequestSpec)


def load_jsonl(path: str | Path) -> list[RequestSpec]:
    """Every request of a JSONL prompts file; PromptError (one line) if it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PromptError(f"cannot read prompts file {str(path)!r}: {exc.strerror or exc}") from None
    specs: list[RequestSpec] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            spec = _line_decoder.decode(line)
        except msgspec.ValidationError as exc:
            raise PromptError(f"{path}:{number}: {exc}") from None
        except msgspec.DecodeError as exc:
            raise PromptError(f"{path}:{number}: not JSON ({exc})") from None
        if not spec.messages or spec.max_tokens < 1:
            raise PromptError(f"{path}:{number}: needs non-empty messages and max_tokens >= 1")
        specs.append(spec)
    if not specs:
        raise PromptError(f"prompts file {str(path)!r} has no requests")
    return specs


def synthetic(count: int, *, input_tokens: int, output_tokens: int, seed: int = 0) -> list[RequestSpec]:
    """``count`` distinct prompts of about ``input_tokens`` tokens asking for ``output_tokens``."""
    if input_tokens < 1 or output_tokens < 1:
        raise PromptError("--input-tokens and --output-tokens must be >= 1")
    rng = random.Random(seed)
    specs = []
    for i in range(max(count, 1)):
        words: list[str] = [f"[{i}]"]
        size = len(words[0])
        while size < input_tokens * _CHARS_PER_TOKEN:
            word = rng.choice(_WORDS)
            words.append(word)
            size += len(word) + 1
        text = " ".join(words)
        specs.append(RequestSpec(messages=[{"role": "user", "content": text}], max_tokens=output_tokens))
    return specs
