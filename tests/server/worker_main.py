"""Run ``docsight worker`` with the test-double engines registered (a subprocess entry point)."""

import sys
from pathlib import Path

here = Path(__file__).parent
sys.path[:0] = [str(here), str(here.parent)]

import doubles  # noqa: E402

from docsight.cli import main  # noqa: E402
from docsight.engines import registry  # noqa: E402

doubles.register(registry.ENGINES)
sys.argv = ["docsight", "worker", *sys.argv[1:]]
main()
