#!/usr/bin/env python3
"""bench/growth.py DK [SIZES...] - how dk merge-file grows with the input, against git.

For Python files of N two-line functions (N from 1k to 300k lines by default), two paths:

  clean       ours edits the first function, theirs the last: git merges cleanly, dk's
              answer is git's (gated)
  structured  both sides append a different function at the end: git conflicts, dk merges
              by declarations

Whole process, one run each (the sizes are large): wall seconds and peak RSS of
`dk merge-file -p` and `git merge-file -p`, and the ratios. Prints a table; exits 0 whatever
the numbers (no timed assertions). Needs GNU time (/usr/bin/time).
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
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    last = out.stderr.strip().splitlines()[-1].split()
    return float(last[0]), int(last[1]), out.returncode


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dk = os.path.abspath(sys.argv[1])
    sizes = [int(s) for s in sys.argv[2:]] or DEFAULT_SIZES
    print(f"{'path':<11} {'lines':>7} {'git s':>7} {'git MB':>7} {'dk s':>7} {'dk MB':>7} "
          f"{'time x':>7} {'mem x':>6}  {'git':>3} {'dk':>3}")
    for path in ("clean", "structured"):
        for lines in sizes:
            with tempfile.TemporaryDirectory() as d:
                write_case(d, lines, path)
                args = ["-p", "ours.py", "base.py", "theirs.py"]
                gs, gk, grc = measure(["git", "merge-file"] + args, d)
                ds, dkb, drc = measure([dk, "merge-file"] + args, d)
                print(f"{path:<11} {lines:>7} {gs:>7.2f} {gk / 1024:>7.1f} {ds:>7.2f} "
                      f"{dkb / 1024:>7.1f} {ds / max(gs, 0.01):>7.1f} {dkb / max(gk, 1):>6.1f}  "
                      f"{grc:>3} {drc:>3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
