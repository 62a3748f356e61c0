"""Run one benchmark scenario on a fresh database: `python benchmarks/run.py NAME [--size N]`.

The work is done in benchmarks/harness.py; this file only makes the project importable
when it is started as a script.
"""

import sys
from pathlib import Path

# Started as a script, Python puts benchmarks/ first on sys.path; the project root is
# wanted there instead, so that `benchmarks` and `depok_kds` import as packages.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.harness import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
