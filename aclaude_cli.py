"""The ``aclaude`` console script's entry point, outside the ``aclaude`` package on purpose.

Importing ``aclaude`` takes a noticeable moment (aiohttp, msgspec, the client). A Ctrl-C in that
moment used to print a ``KeyboardInterrupt`` traceback, because the script's own
``from aclaude.__main__ import main`` ran those imports before any code of ours could catch it.
This module imports nothing heavy: the package is imported inside ``main``, where an interrupt
becomes ``aclaude: interrupted`` and exit status 130, like an interrupt at any later moment.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

__all__ = ["main"]

_EXIT_INTERRUPTED = 130


def main() -> int:
    """Run the ``aclaude`` command line; Ctrl-C at any moment exits 130 without a traceback."""
    try:
        cli_main = _import_cli()
        return cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("aclaude: interrupted\n")
        return _EXIT_INTERRUPTED


def _import_cli() -> Callable[[], int]:
    """The package's CLI entry, imported with Ctrl-C held back where the OS allows it: an
    interrupt that lands inside a C extension's module initialisation can crash the interpreter
    (seen as SIGSEGV), so it is delivered once the imports are done, as a KeyboardInterrupt."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:  # Windows: no signal masks
        from aclaude._cli import main as cli_main

        return cli_main
    previous = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        from aclaude._cli import main as cli_main
    finally:
        block(signal.SIG_SETMASK, previous)  # a pending Ctrl-C is raised here
    return cli_main


if __name__ == "__main__":
    sys.exit(main())
