"""Every wire model and event of the API, as msgspec Structs (the counterpart of ``anthropic.types``).

The bottom layer: these modules import nothing of aclaude but ``aclaude._exceptions``. Unknown
event, block and delta types decode to ``Unknown*`` structs that keep all their fields.

Each name is listed once, in the ``__all__`` of the module that defines it; this package
re-exports those lists (star imports and ``__all__ += module.__all__`` are the forms that type
checkers read as re-exports: the typing spec's "library interface" rules).
"""

from . import _batches, _completions, _events, _files, _message, _model_info, _rate_limits, _threads, _tokens
from ._batches import *  # noqa: F403
from ._completions import *  # noqa: F403
from ._events import *  # noqa: F403
from ._extras import extra_fields, known_type
from ._files import *  # noqa: F403
from ._message import *  # noqa: F403
from ._model_info import *  # noqa: F403
from ._rate_limits import *  # noqa: F403
from ._threads import *  # noqa: F403
from ._tokens import *  # noqa: F403

__all__ = ["extra_fields", "known_type"]
__all__ += _batches.__all__
__all__ += _completions.__all__
__all__ += _events.__all__
__all__ += _files.__all__
__all__ += _message.__all__
__all__ += _model_info.__all__
__all__ += _rate_limits.__all__
__all__ += _threads.__all__
__all__ += _tokens.__all__
