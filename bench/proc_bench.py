#!/usr/bin/env python3
"""bench/proc_bench.py DK_BIN DIR... - whole-process timings.

For each scenario directory (base/ours/theirs.<ext>), the p50 wall time of
`DK_BIN merge-file -p ours base theirs` against `git merge-file -p ours base
theirs`, both writing to /dev/null, measured in the same run, and the ratio.
Uses hyperfine when it is installed (-N, JSON export), else a timing loop
with time.perf_counter around subprocess.run (the spawn overhead is the same
for both tools, so the ratio stays fair). Exit status 0: no timed assertions.

Targets (issue 10): where git merges cleanly (dk gates git's answer), dk's p50
within 3x of git's on every scenario; no scenario slower than 10x git.
BENCH_INSTR=1 also counts the instructions of one run of each (valgrind
--tool=callgrind): exact and repeatable on a loaded machine, where wall
times are not.
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


def instructions(cmd):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in out.stderr.splitlines():
        if "refs:" in line:
            return int(line.split("refs:")[1].strip().replace(",", ""))
    return 0


def hyperfine_p50(cmds):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["hyperfine", "-N", "-i", "--warmup", "3", "--runs", str(RUNS),
                        "--style", "none", "--export-json", f.name] + [" ".join(c) for c in cmds],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        res = json.load(open(f.name))["results"]
        return [r["median"] * 1000 for r in res]


def summary(what, ratios, target):
    if not ratios:
        return
    worst = max(ratios)
    print("%s: median dk/git p50 ratio %.2fx, worst %.2fx over %d scenarios (target <= %gx: %s)" %
          (what, statistics.median(ratios), worst, len(ratios), target,
           "met" if worst <= target else "NOT met"))


def main():
    dk = sys.argv[1]
    dirs = sys.argv[2:]
    hf = shutil.which("hyperfine") is not None
    instr = os.environ.get("BENCH_INSTR") == "1" and shutil.which("valgrind") is not None
    print("whole process (%s, %d runs each): p50 wall time in ms%s" %
          ("hyperfine -N" if hf else "timing loop", RUNS,
           "; instructions of one run (callgrind), in millions" if instr else ""))
    print("%-20s %10s %10s %8s  %-5s" % ("scenario", "git", "dk", "dk/git", "git") +
          ("%10s %10s %8s" % ("git Minstr", "dk Minstr", "dk/git") if instr else ""))
    ratios, clean_ratios = [], []
    for d in dirs:
        f = files(d)
        git_cmd = ["git", "merge-file", "-p"] + f
        dk_cmd = [dk, "merge-file", "-p"] + f
        git_clean = subprocess.run(git_cmd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL).returncode == 0
        if hf:
            g, k = hyperfine_p50([git_cmd, dk_cmd])
        else:
            g, k = loop_p50(git_cmd), loop_p50(dk_cmd)
        ratios.append(k / g)
        if git_clean:
            clean_ratios.append(k / g)
        line = "%-20s %10.2f %10.2f %7.2fx  %-5s" % (os.path.basename(d), g, k, k / g,
                                                    "clean" if git_clean else "CONFL")
        if instr:
            gi, ki = instructions(git_cmd), instructions(dk_cmd)
            line += "%10.1f %10.1f %7.1fx" % (gi / 1e6, ki / 1e6, ki / max(gi, 1))
        print(line)
    print()
    summary("whole process, git clean (dk gates git's answer)", clean_ratios, 3)
    summary("whole process, every scenario", ratios, 10)


if __name__ == "__main__":
    main()
