"""Run every benchmark, one after the other, each in its own process; print their figures.

    python benchmarks/run_all.py [--quick]

``--quick`` plays a room of 100 phones (kernel floor: 25) instead of 300 (kernel floor:
25 and 50; the kernel floor is the only part that starts kernels).
Not part of the test run. Each script prints its figures, the floor it compares to
and MET/MISSED against its goal. Note the machine's load beside the figures: other
work on the machine slows Voila's kernels far more than csikit's code.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per benchmark")
    quick = ap.parse_args().quick
    runs = [
        ["store_throughput.py"],
        ["facilitator_refresh.py"],
        ["presenter_delay.py", "--clicks", "20"],
        # the room endpoint against the bare broadcast and the kernel floor (capped: ≈ 65 MB a kernel)
        [
            "room.py",
            "--participants",
            "100" if quick else "300",
            "--kernel-ladder",
            "25" if quick else "25,50",
            "--loads",
            "200" if quick else "1000",
        ],
    ]
    if (HERE / "review_vs_empty.py").exists():
        runs.append(["review_vs_empty.py"])
    failed = 0
    for args in runs:
        t = time.monotonic()
        try:
            code = subprocess.run(
                [sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent, timeout=ap.parse_args().timeout
            ).returncode
        except subprocess.TimeoutExpired:
            print(f"!! {args[0]} did not finish in time")
            code = 1
        print(f"-- {args[0]}: exit {code} in {time.monotonic() - t:.0f} s\n", flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
