"""``python -m cardrank`` and the ``cardrank`` console script: the command
line of the Rust binary (``cardrank rank``, ``select``, ``report``,
``compare``, ``generate``, ``demo``), run by the same code."""

from __future__ import annotations

import signal
import sys

from . import _core


def main() -> None:
    """Runs ``cardrank`` with this process's arguments and exits with its
    code."""
    # Ctrl-C ends the command as it ends the Rust binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    code = _core.cli_main(["cardrank", *sys.argv[1:]])
    sys.exit(code)


if __name__ == "__main__":
    main()
