"""``python -m assess.archive verify FILE.zip``: check an archive package (standard library only)."""

from __future__ import annotations

import sys

from assess.archive.verify import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
