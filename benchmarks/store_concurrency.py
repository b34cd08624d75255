"""Many processes voting at once on one store; prints one line per scenario.

    python benchmarks/store_concurrency.py --store sqlite:///tmp/load.sqlite --processes 50 --responses 20
    python benchmarks/store_concurrency.py --store postgresql+psycopg://user@host/db --lock

Each run creates a fresh workshop (code LOAD########) in the store, so a store may be
reused; do not point it at a store a live workshop is using. Exit status 1 if any check
fails (see benchmarks/_concurrency.py for what is checked).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _concurrency as load  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--store", required=True, metavar="URL", help="sqlite:///file.sqlite or postgresql+psycopg://user@host/db"
    )
    parser.add_argument("--processes", type=int, default=50, help="writer processes (default 50)")
    parser.add_argument("--responses", type=int, default=20, help="responses each process submits (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--lock", action="store_true", help="also run the scenario where the facilitator locks the vote mid-run"
    )
    args = parser.parse_args(argv)

    failed = False
    scenarios = [None, 0.3] if args.lock else [None]
    for lock_after in scenarios:
        report = load.scenario(args.store, args.processes, args.responses, seed=args.seed, lock_after=lock_after)
        print(report.summary(), flush=True)
        for problem in report.problems:
            print(f"  FAIL: {problem}", flush=True)
        failed |= bool(report.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
