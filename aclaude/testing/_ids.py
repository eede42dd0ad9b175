"""Identifiers shaped like the real API's (``msg_01…``, ``toolu_01…``, ``req_01…``).

Clients and users sometimes log, compare or pattern-match these, so they follow the real
format: a prefix, ``01`` and 22 base62 characters. They need to be unique, not secret, so a
plain PRNG is enough and cheap.
"""

from __future__ import annotations

import random

__all__ = ["new_id"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_rng = random.Random()


def new_id(prefix: str) -> str:
    """Return ``<prefix>_01`` followed by 22 random base62 characters."""
    return prefix + "_01" + "".join(_rng.choices(_ALPHABET, k=22))
