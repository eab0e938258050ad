"""``python -m fiscal_sim.io.cli``: the ``fiscal-sim`` command line."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
