#!/usr/bin/env python3
"""bench/growth.py DK [SIZES...] - how dk merge-file grows with the input, against git.

For Python files of N two-line functions (N from 1k to 300k lines by default), two paths:

  clean       ours edits the first function, theirs the last: git merges cleanly, dk's
              answer is git's (gated)
  structured  both sides append a different function at the end: git conflicts, dk merges
              by declarations

Whole process, one run each (the sizes are large): wall seconds, CPU seconds (user + system,
less disturbed than wall time by other load on the machine) and peak RSS of
`dk merge-file -p` and `git merge-file -p`, and the ratios. The last lines give the worst CPU
ratio of each path against issue 10's target (no input slower than 10x git), over the sizes
where git takes at least 0.02 s of CPU (below that GNU time's 0.01 s steps decide the ratio).
Prints a table; exits 0 whatever the numbers (no timed assertions). Needs GNU time
(/usr/bin/time).
"""
import os
import subprocess
import sys
import tempfile

DEFAULT_SIZES = [1000, 10000, 30000, 100000, 300000]


def write_case(d, lines, path):
    n = max(1, lines // 4)  # def + return + two blank lines per function
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(n))
    with open(os.path.join(d, "base.py"), "w") as f:
        f.write(body)
    if path == "clean":
        ours = body.replace("return x + 0\n", "return x + 100\n", 1)
        last = f"return x + {n - 1}\n"
        theirs = body[: body.rfind(last)] + f"return x - {n - 1}\n" + body[body.rfind(last) + len(last):]
    else:
        ours = body + "def o():\n    return 1\n"
        theirs = body + "def t():\n    return 2\n"
    with open(os.path.join(d, "ours.py"), "w") as f:
        f.write(ours)
    with open(os.path.join(d, "theirs.py"), "w") as f:
        f.write(theirs)


def measure(cmd, cwd):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S"] + cmd, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    last = out.stderr.strip().splitlines()[-1].split()
    return float(last[0]), int(last[1]), float(last[2]) + float(last[3]), out.returncode


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dk = os.path.abspath(sys.argv[1])
    sizes = [int(s) for s in sys.argv[2:]] or DEFAULT_SIZES
    print(f"{'path':<11} {'lines':>7} {'git s':>7} {'git MB':>7} {'dk s':>7} {'dk MB':>7} "
          f"{'time x':>7} {'mem x':>6} {'git cpu':>7} {'dk cpu':>7} {'cpu x':>6}  {'git':>3} {'dk':>3}")
    worst = {}
    for path in ("clean", "structured"):
        for lines in sizes:
            with tempfile.TemporaryDirectory() as d:
                write_case(d, lines, path)
                args = ["-p", "ours.py", "base.py", "theirs.py"]
                gs, gk, gc, grc = measure(["git", "merge-file"] + args, d)
                ds, dkb, dc, drc = measure([dk, "merge-file"] + args, d)
                cpu_x = dc / max(gc, 0.01)
                print(f"{path:<11} {lines:>7} {gs:>7.2f} {gk / 1024:>7.1f} {ds:>7.2f} "
                      f"{dkb / 1024:>7.1f} {ds / max(gs, 0.01):>7.1f} {dkb / max(gk, 1):>6.1f} "
                      f"{gc:>7.2f} {dc:>7.2f} {cpu_x:>6.1f}  {grc:>3} {drc:>3}")
                if gc >= 0.02 and cpu_x > worst.get(path, (0, 0))[0]:
                    worst[path] = (cpu_x, lines)
    for path in ("clean", "structured"):
        if path in worst:
            x, lines = worst[path]
            print(f"{path}: worst CPU dk/git {x:.1f}x (at {lines} lines; target <= 10x: "
                  f"{'met' if x <= 10 else 'NOT met'})")
        else:
            print(f"{path}: git under 0.02 s CPU at every size, no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
