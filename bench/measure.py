#!/usr/bin/env python3
"""Print the median wall time, in milliseconds, of a shell command.

Usage: python3 bench/measure.py [--runs N] [--warmup W] [--cwd DIR] -- CMD

CMD runs as `bash --norc -o pipefail -c CMD` (so a failing stage of a
pipeline fails the measurement), stdin from /dev/null, in DIR.  The command
is first run once on its own with its stderr captured: if it exits non-zero,
that stderr and the exit code are printed and this script exits 1.  That run
also counts as the first warm-up run.

Timing uses hyperfine when it is on PATH (unless BENCH_TIMER=python), else a
plain loop.  Both subtract the cost of starting the shell itself (hyperfine
does so by default; the loop measures `bash -c ''` the same way), so the
figure is the command's own time.  Standard library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SHELL = ["bash", "--norc", "-o", "pipefail"]


def run_once(cmd: str, cwd: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(SHELL + ["-c", cmd], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE if capture else subprocess.DEVNULL)


def loop_median(cmd: str, cwd: str, runs: int, warmup: int) -> float:
    """Median seconds over `runs` timed runs; fails on the first error."""
    for _ in range(warmup):
        run_once(cmd, cwd)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = run_once(cmd, cwd)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"measure: command failed (exit {r.returncode}) during timing: {cmd}")
    return statistics.median(times)


def hyperfine_median(cmd: str, cwd: str, runs: int, warmup: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        r = subprocess.run(["hyperfine", "--shell", " ".join(SHELL), "--style", "none",
                            "--runs", str(runs), "--warmup", str(warmup),
                            "--export-json", out, cmd],
                           cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"measure: hyperfine failed (exit {r.returncode}) on: {cmd}\n{r.stderr}")
        with open(out) as f:
            return json.load(f)["results"][0]["median"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--cwd", default=".")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = " ".join(a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd)
    if not cmd:
        ap.error("no command")

    check = run_once(cmd, a.cwd, capture=True)
    if check.returncode != 0:
        sys.stderr.write(check.stderr.decode(errors="replace"))
        sys.exit(f"measure: command failed (exit {check.returncode}) in {a.cwd}: {cmd}")
    warmup = max(a.warmup - 1, 0)

    if shutil.which("hyperfine") and os.environ.get("BENCH_TIMER", "auto") != "python":
        median = hyperfine_median(cmd, a.cwd, a.runs, warmup)
    else:
        median = loop_median(cmd, a.cwd, a.runs, warmup)
        median = max(median - loop_median("", a.cwd, max(a.runs, 10), 1), 0.0)
    print(f"{median * 1000:.2f}")


if __name__ == "__main__":
    main()
