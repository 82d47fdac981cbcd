#!/usr/bin/env python3
"""bench/proc_bench.py DK_BIN DIR... - whole-process timings.

For each scenario directory (base/ours/theirs.<ext>), the p50 wall time of
`DK_BIN merge-file -p ours base theirs` against `git merge-file -p ours base
theirs`, both writing to /dev/null, measured in the same run, and the ratio.
Uses hyperfine when it is installed (-N, JSON export), else a timing loop
with time.perf_counter around subprocess.run (the spawn overhead is the same
for both tools, so the ratio stays fair). Exit status 0: no timed assertions.
"""
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def files(d):
    base = glob.glob(os.path.join(d, "base.*"))[0]
    ext = base[len(os.path.join(d, "base")):]
    return [os.path.join(d, n + ext) for n in ("ours", "base", "theirs")]


def loop_p50(cmd):
    for _ in range(3):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1000


def hyperfine_p50(cmds):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["hyperfine", "-N", "-i", "--warmup", "3", "--runs", str(RUNS),
                        "--style", "none", "--export-json", f.name] + [" ".join(c) for c in cmds],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        res = json.load(open(f.name))["results"]
        return [r["median"] * 1000 for r in res]


def main():
    dk = sys.argv[1]
    dirs = sys.argv[2:]
    hf = shutil.which("hyperfine") is not None
    print("whole process (%s, %d runs each): p50 wall time in ms" %
          ("hyperfine -N" if hf else "timing loop", RUNS))
    print("%-20s %10s %10s %8s" % ("scenario", "git", "dk", "dk/git"))
    ratios = []
    for d in dirs:
        f = files(d)
        git_cmd = ["git", "merge-file", "-p"] + f
        dk_cmd = [dk, "merge-file", "-p"] + f
        if hf:
            g, k = hyperfine_p50([git_cmd, dk_cmd])
        else:
            g, k = loop_p50(git_cmd), loop_p50(dk_cmd)
        ratios.append(k / g)
        print("%-20s %10.2f %10.2f %7.2fx" % (os.path.basename(d), g, k, k / g))
    if ratios:
        print("\nwhole process: median dk/git p50 ratio %.2fx, worst %.2fx (target <= 2x: %s)" %
              (statistics.median(ratios), max(ratios), "met" if max(ratios) <= 2 else "NOT met"))


if __name__ == "__main__":
    main()
