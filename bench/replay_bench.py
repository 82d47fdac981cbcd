#!/usr/bin/env python3
"""bench/replay_bench.py - whole-process speed on real merges that git merges cleanly.

    bench/replay_bench.py --dk build/release/dk --out DIR [--limit 60]
        [--per-repo N] [--merges M] [--runs R] [--instr] [REPO...]
    bench/replay_bench.py --dk build/release/dk --load DIR [--runs R] [--instr]

The issue-10 clean-path target is defined on real histories: where git merges
a file cleanly (dk then gates git's answer), dk's whole process within 3x of
`git merge-file` at the p50 of per-scenario ratios. This script builds that
sample and measures it:

1. Scenarios (unless --load): for each REPO (a git directory; by default the
   C, Python, Rust, Go and JS/TS snapshots under /work/.mirror that exist),
   the newest --merges two-parent merges; for each, the files of a supported
   language changed by both parents since their merge base, whose three
   versions git merges cleanly (`git merge-file -p` exits 0) and differ
   from each other. At most --per-repo per repository (default: --limit
   divided by the number of repositories, rounded up), taken in history
   order, files under 1 MiB (binary ones skipped), then --limit in total,
   spread round-robin over the repositories. Written as
   DIR/<repo>-<k>/{base,ours,theirs}.<ext> plus DIR/<repo>-<k>/origin (the
   merge commit and the path). The selection is deterministic for a given
   set of snapshots.
2. Timing: per scenario, `git merge-file -p ours base theirs` and `dk
   merge-file -p ours base theirs` (stdout to /dev/null), interleaved
   (git, dk, git, dk, ...) after 2 warm-up runs each so that load changes
   hit both; p50 of --runs runs each and the ratio dk/git. --instr also counts
   the instructions of one run of each under callgrind: exact, where wall
   times on a shared machine are noise.
3. Summary: p50 (and p90, max) of the per-scenario ratios, the file sizes
   (lines of base: min, p50, p90, max), and how many scenarios are within 3x
   and 10x. Also checks that dk's output is clean (exit 0) where git's is:
   a scenario where dk conflicts is listed (that is a regression, not a
   speed question, and is excluded from the ratios).

Exit status 0 whatever the numbers: no timed assertions.
Python 3 standard library only.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

EXTS = {
    ".c": "c", ".h": "c", ".py": "python", ".rs": "rust", ".go": "go",
    ".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "ts", ".tsx": "ts", ".jsx": "js",
}
DEFAULT_REPOS = ["tmux+tmux", "redis+redis", "pallets+click", "psf+requests",
                 "BurntSushi+ripgrep", "serde-rs+serde", "gin-gonic+gin", "axios+axios"]
MAX_BYTES = 1 << 20


def git(gd, *args, check=True):
    r = subprocess.run(["git", "--git-dir", gd] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    if check and r.returncode != 0:
        return None
    return r.stdout


def default_repos():
    out = []
    for name in DEFAULT_REPOS:
        for cand in ("/work/.mirror/%s/repo" % name, "/work/.mirror/%s" % name):
            if os.path.isdir(cand) and os.path.exists(os.path.join(cand, "HEAD")):
                out.append(cand)
                break
    return out


def repo_label(gd):
    p = os.path.normpath(gd)
    if os.path.basename(p) in ("repo", ".git"):
        p = os.path.dirname(p)
    return os.path.basename(p).split("+")[-1]


def changed(gd, a, b):
    out = git(gd, "diff", "--no-renames", "--name-only", "-z", a, b)
    return set(out.decode("utf-8", "replace").split("\0")) - {""} if out is not None else set()


def blob(gd, rev, path):
    return git(gd, "cat-file", "blob", "%s:%s" % (rev, path))


def scenarios_of(gd, merges, per_repo, tmp):
    """Yields (merge, path, ext, base, ours, theirs) for git-clean file merges."""
    out = git(gd, "rev-list", "--merges", "--parents", "-n", str(merges), "HEAD")
    if out is None:
        return
    n = 0
    for line in out.decode().splitlines():
        revs = line.split()
        if len(revs) != 3:
            continue
        m, p1, p2 = revs
        mb = git(gd, "merge-base", p1, p2)
        if mb is None:
            continue
        mb = mb.decode().strip()
        both = changed(gd, mb, p1) & changed(gd, mb, p2)
        for path in sorted(both):
            ext = os.path.splitext(path)[1]
            if ext not in EXTS:
                continue
            b, o, t = blob(gd, mb, path), blob(gd, p1, path), blob(gd, p2, path)
            if b is None or o is None or t is None or o == t or o == b or t == b:
                continue
            if max(len(b), len(o), len(t)) > MAX_BYTES or b"\0" in b + o + t:
                continue
            paths = []
            for name, data in (("ours", o), ("base", b), ("theirs", t)):
                p = os.path.join(tmp, name + ext)
                with open(p, "wb") as f:
                    f.write(data)
                paths.append(p)
            r = subprocess.run(["git", "merge-file", "-p"] + paths, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                continue
            yield m, path, ext, b, o, t
            n += 1
            if n >= per_repo:
                return


def build(out, repos, merges, per_repo, limit):
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    tmp = os.path.join(out, ".tmp")
    os.makedirs(tmp)
    per = []
    for gd in repos:
        got = list(scenarios_of(gd, merges, per_repo, tmp))
        per.append((repo_label(gd), got))
        print("  %-12s %3d git-clean file merges" % (repo_label(gd), len(got)), file=sys.stderr)
    shutil.rmtree(tmp)
    picked, i = [], 0
    while len(picked) < limit and any(i < len(g) for _, g in per):
        for label, got in per:
            if i < len(got) and len(picked) < limit:
                picked.append((label, i, got[i]))
        i += 1
    dirs = []
    for label, i, (m, path, ext, b, o, t) in picked:
        d = os.path.join(out, "%s-%02d" % (label, i))
        os.makedirs(d)
        for name, data in (("base", b), ("ours", o), ("theirs", t)):
            with open(os.path.join(d, name + ext), "wb") as f:
                f.write(data)
        with open(os.path.join(d, "origin"), "w") as f:
            f.write("%s %s\n" % (m, path))
        dirs.append(d)
    return dirs


def files(d):
    for n in sorted(os.listdir(d)):
        if n.startswith("base."):
            ext = n[4:]
            return [os.path.join(d, x + ext) for x in ("ours", "base", "theirs")]
    return None


def run_quiet(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def instructions(cmd):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in r.stderr.splitlines():
        if "refs:" in line:
            return int(line.split("refs:")[1].strip().replace(",", ""))
    return 0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description="whole-process dk vs git on real git-clean merges")
    ap.add_argument("--dk", required=True)
    ap.add_argument("--out", help="build the scenarios into DIR (replaced)")
    ap.add_argument("--load", help="measure the scenarios already in DIR")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--per-repo", type=int, default=0,
                    help="scenarios kept per repository (default: enough for --limit)")
    ap.add_argument("--merges", type=int, default=300)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "15")))
    ap.add_argument("--instr", action="store_true",
                    help="count instructions of one run of each (callgrind)")
    ap.add_argument("repos", nargs="*", metavar="REPO")
    a = ap.parse_args()
    if bool(a.out) == bool(a.load):
        ap.error("give exactly one of --out DIR and --load DIR")
    if a.load:
        dirs = sorted(os.path.join(a.load, d) for d in os.listdir(a.load)
                      if files(os.path.join(a.load, d)))
    else:
        repos = a.repos or default_repos()
        if not repos:
            print("replay_bench: no repositories (none given, none under /work/.mirror)")
            return 0
        per_repo = a.per_repo or -(-a.limit // len(repos))
        dirs = build(a.out, repos, a.merges, per_repo, a.limit)
    instr = a.instr and shutil.which("valgrind") is not None
    print("real git-clean merges, whole process: p50 of %d interleaved runs each (ms)%s" %
          (a.runs, "; instructions of one run (callgrind, millions)" if instr else ""))
    print("%-16s %6s %8s %8s %7s" % ("scenario", "lines", "git", "dk", "dk/git") +
          ("%9s %9s %7s" % ("git Mins", "dk Mins", "dk/git") if instr else ""))
    ratios, iratios, sizes, bad = [], [], [], []
    for d in dirs:
        f = files(d)
        gcmd = ["git", "merge-file", "-p"] + f
        kcmd = [a.dk, "merge-file", "-p"] + f
        with open(f[1], "rb") as fh:
            lines = fh.read().count(b"\n")
        if run_quiet(gcmd) != 0:
            continue
        if run_quiet(kcmd) != 0:
            bad.append(os.path.basename(d))
            continue
        for _ in range(2):
            run_quiet(gcmd)
            run_quiet(kcmd)
        gt, kt = [], []
        for _ in range(a.runs):
            gt.append(timed(gcmd))
            kt.append(timed(kcmd))
        g, k = statistics.median(gt) * 1000, statistics.median(kt) * 1000
        ratios.append(k / g)
        sizes.append(lines)
        line = "%-16s %6d %8.2f %8.2f %6.2fx" % (os.path.basename(d), lines, g, k, k / g)
        if instr:
            gi, ki = instructions(gcmd), instructions(kcmd)
            iratios.append(ki / max(gi, 1))
            line += "%9.1f %9.1f %6.1fx" % (gi / 1e6, ki / 1e6, ki / max(gi, 1))
        print(line)
    print()
    if not ratios:
        print("no scenarios measured")
        return 0
    print("scenarios: %d; base lines min %d, p50 %d, p90 %d, max %d" %
          (len(sizes), min(sizes), pct(sizes, .5), pct(sizes, .9), max(sizes)))
    print("wall dk/git per scenario: p50 %.2fx, p90 %.2fx, max %.2fx; within 3x: %d, within 10x: %d"
          " (target p50 <= 3x: %s)" %
          (statistics.median(ratios), pct(ratios, .9), max(ratios),
           sum(r <= 3 for r in ratios), sum(r <= 10 for r in ratios),
           "met" if statistics.median(ratios) <= 3 else "NOT met"))
    if iratios:
        print("instructions dk/git per scenario: p50 %.1fx, p90 %.1fx, max %.1fx" %
              (statistics.median(iratios), pct(iratios, .9), max(iratios)))
    if bad:
        print("dk conflicted where git merged cleanly (not timed): %s" % " ".join(bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
