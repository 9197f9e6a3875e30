"""Run every benchmark (bench/bench_*.py) in turn (`make bench`); exit 1 if any failed.

Each runs in its own process with its own throw-away database. Options (such as
--allow-sqlite or --repeat N) are passed on to each benchmark.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"=== {path.name} ===", flush=True)
        if subprocess.run([sys.executable, str(path), *sys.argv[1:]]).returncode:
            failed.append(path.name)
        print(flush=True)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
