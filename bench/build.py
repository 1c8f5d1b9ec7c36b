"""What building a snapshot costs: the builder child process as the server starts it.

Runs `python -m data.snapshot DIRECTORY` (what data.store starts for big data) against a
database --repeat times, each into a fresh snapshot folder, under `/usr/bin/time -v`, and prints
per run the wall time (and the CPU time, user + system), the peak RSS ("Maximum resident set size"), the snapshot file's size and
their ratio, with `uptime`'s load averages. First it prints the baseline: the peak RSS of an
interpreter that only imports data.snapshot (Python, numpy, pandas, pyarrow, SQLAlchemy) and
exits, so the ratio can be read with and without it. --checkout runs the builder of another
source tree (e.g. an older release unpacked with `git archive`), with this interpreter.

    PYTHONPATH=. python bench/build.py --database sqlite:////tmp/demo-1m.db [--repeat 2]

The builder opens SQLite in WAL mode, which writes next to the file: give it a copy.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stderr) of `command` under /usr/bin/time -v."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, seconds = (float(part or 0) for part in wall.groups())
    return hours * 3600 + minutes * 60 + seconds, peak // 1024, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL to build from")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="source tree to build with")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": args.database, "PYTHONPATH": str(args.checkout)}
    env.pop("SALES_SNAPSHOT_CODE", None)
    print(f"bench/build.py, {datetime.now():%Y-%m-%d %H:%M}; load average {load()}")
    print(f"checkout {args.checkout}; database {args.database}")
    _, baseline, _ = timed([sys.executable, "-c", "import data.snapshot"], args.checkout, env)
    print(f"baseline (an interpreter importing data.snapshot): peak RSS {baseline} MB")
    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="bench-build-") as directory:
            before = load()
            command = [sys.executable, "-m", "data.snapshot", directory]
            wall, peak, report = timed(command, args.checkout, env)
            cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", report)[1])
                      for kind in ("User", "System"))  # fmt: skip
            size = sum(p.stat().st_size for p in Path(directory).glob("*.arrow")) / 2**20
            print(f"run {run}: {wall:6.1f} s (CPU {cpu:.1f} s), peak RSS {peak:,} MB, "
                  f"snapshot {size:,.0f} MB, "
                  f"peak/snapshot {peak / size:.2f}x ({(peak - baseline) / size:.2f}x above the "
                  f"baseline); load average {before} -> {load()}")  # fmt: skip


if __name__ == "__main__":
    main()
