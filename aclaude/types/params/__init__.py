"""Typed request parameters: what the API takes, as TypedDicts (the counterpart of the official
SDK's ``*Param`` types), and the ``NOT_GIVEN`` sentinel.

They are type information: a type checker checks a call against them, nothing checks nested
values at run time (the API does), so a call costs the same with or without them.

Each name is listed once, in the ``__all__`` of the module that defines it; this package
re-exports those lists (star imports and ``__all__ += module.__all__`` are the forms that type
checkers read as re-exports: the typing spec's "library interface" rules).
"""

from . import _blocks, _completions, _messages, _not_given, _tools
from ._blocks import *  # noqa: F403
from ._completions import *  # noqa: F403
from ._messages import *  # noqa: F403
from ._not_given import *  # noqa: F403
from ._tools import *  # noqa: F403

__all__: list[str] = []
__all__ += _blocks.__all__
__all__ += _completions.__all__
__all__ += _messages.__all__
__all__ += _not_given.__all__
__all__ += _tools.__all__
