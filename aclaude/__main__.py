"""``python -m aclaude`` and the ``aclaude`` console script."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    # ``python -m aclaude`` imports the package before this line can run; the console script
    # (aclaude_cli) also covers a Ctrl-C during those imports.
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("aclaude: interrupted\n")
        sys.exit(130)
