#!/usr/bin/env python3
"""bench/growth.py [--lang L,...] [--floor] DK [SIZES...] - how dk merge-file grows with the input.

For files of one-statement functions (N from 1k to 300k lines by default; Python by
default, --lang py,c,go,rs,ts for others), two paths:

  clean       ours edits the first function, theirs the last: git merges cleanly, dk's
              answer is git's (gated)
  structured  both sides append a different function at the end: git conflicts, dk merges
              by declarations

Whole process, one run each (the sizes are large): wall seconds, CPU seconds (user + system,
less disturbed than wall time by other load on the machine) and peak RSS of
`dk merge-file -p` and `git merge-file -p`, and the ratios. The last lines give the worst CPU
ratio of each path against issue 10's target (no input slower than 10x git), over the sizes
where git takes at least 0.02 s of CPU (below that GNU time's 0.01 s steps decide the ratio).
--floor adds, per size and language, the instructions (callgrind) of git's whole merge and
of ONE full tree-sitter parse of base alone (`dk tree`, counted inside
ts_parser_parse_string only: no dk analysis, no printing), and their ratio: how far the
parser by itself already is from the 10x target (a structured merge parses four texts,
base's in full). Slow at large sizes (everything under valgrind).

Prints a table; exits 0 whatever the numbers (no timed assertions). Needs GNU time
(/usr/bin/time), and valgrind for --floor.
"""
import os
import subprocess
import sys
import tempfile

DEFAULT_SIZES = [1000, 10000, 30000, 100000, 300000]


# per language: extension, file header, one function (4 lines with the blank lines after
# it, 5 for C), its statement as `sign` and `i` make it, and a new function for the
# structured path
LANGS = {
    "py": ("py", "", lambda i: f"def f{i}(x):\n    return x + {i}\n\n\n",
           lambda i, sign: f"    return x {sign} {i}\n",
           lambda name, v: f"def {name}():\n    return {v}\n"),
    "c": ("c", "", lambda i: f"int f{i}(int x)\n{{\n    return x + {i};\n}}\n\n",
          lambda i, sign: f"    return x {sign} {i};\n",
          lambda name, v: f"int {name}(void)\n{{\n    return {v};\n}}\n"),
    "go": ("go", "package p\n\n", lambda i: f"func f{i}(x int) int {{\n\treturn x + {i}\n}}\n\n",
           lambda i, sign: f"\treturn x {sign} {i}\n",
           lambda name, v: f"func {name}() int {{\n\treturn {v}\n}}\n"),
    "rs": ("rs", "", lambda i: f"fn f{i}(x: i32) -> i32 {{\n    x + {i}\n}}\n\n",
           lambda i, sign: f"    x {sign} {i}\n",
           lambda name, v: f"fn {name}() -> i32 {{\n    {v}\n}}\n"),
    "ts": ("ts", "", lambda i: f"function f{i}(x: number): number {{\n  return x + {i};\n}}\n\n",
           lambda i, sign: f"  return x {sign} {i};\n",
           lambda name, v: f"function {name}(): number {{\n  return {v};\n}}\n"),
}


def write_case(d, lines, path, lang="py"):
    """base/ours/theirs.<ext> of about `lines` lines in d; returns the extension."""
    ext, head, fn, stmt, extra = LANGS[lang]
    per = fn(0).count("\n")
    n = max(1, lines // per)
    body = head + "".join(fn(i) for i in range(n))
    if path == "clean":
        # ours edits the first function, theirs the last (each statement is unique)
        ours = body.replace(stmt(0, "+"), stmt(100, "+"), 1)
        last = stmt(n - 1, "+")
        k = body.rfind(last)
        theirs = body[:k] + stmt(n - 1, "-") + body[k + len(last):]
    else:
        ours = body + extra("o", 1)
        theirs = body + extra("t", 2)
    for name, text in (("base", body), ("ours", ours), ("theirs", theirs)):
        with open(os.path.join(d, f"{name}.{ext}"), "w") as f:
            f.write(text)
    return ext


def instructions(cmd, cwd, toggle=None):
    """Instructions of one run of cmd under callgrind (only inside `toggle` if given)."""
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    if toggle:
        vg.append(f"--toggle-collect={toggle}")
    out = subprocess.run(vg + cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    for line in out.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1].strip().replace(",", ""))
    raise RuntimeError(f"no instruction count from callgrind for {cmd}")


def measure(cmd, cwd):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S"] + cmd, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    last = out.stderr.strip().splitlines()[-1].split()
    return float(last[0]), int(last[1]), float(last[2]) + float(last[3]), out.returncode


def main():
    args = sys.argv[1:]
    langs, floor = ["py"], False
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    while args and args[0].startswith("--"):
        if args[0] == "--floor":
            floor = True
            args = args[1:]
        elif args[0] == "--lang" and len(args) > 1:
            langs = args[1].split(",")
            args = args[2:]
        else:
            print(f"unknown option {args[0]}\n{__doc__}", file=sys.stderr)
            return 2
    bad = [lang for lang in langs if lang not in LANGS]
    if not args or bad or not os.access(args[0], os.X_OK):
        print(__doc__)
        if bad:
            print(f"unknown language(s) {', '.join(bad)}; known: {', '.join(LANGS)}")
        elif args:
            print(f"{args[0]}: not an executable dk")
        return 2
    dk = os.path.abspath(args[0])
    sizes = [int(s) for s in args[1:]] or DEFAULT_SIZES
    head = (f"{'path':<11} {'lang':<4} {'lines':>7} {'git s':>7} {'git MB':>7} {'dk s':>7} "
            f"{'dk MB':>7} {'time x':>7} {'mem x':>6} {'git cpu':>7} {'dk cpu':>7} {'cpu x':>6}  "
            f"{'git':>3} {'dk':>3}")
    if floor:
        head += f" {'git Mi':>8} {'parse Mi':>9} {'parse/git':>9}"
    print(head)
    worst, floors, parses = {}, [], {}
    for path in ("clean", "structured"):
        for lang in langs:
            for lines in sizes:
                with tempfile.TemporaryDirectory() as d:
                    ext = write_case(d, lines, path, lang)
                    args = ["-p", f"ours.{ext}", f"base.{ext}", f"theirs.{ext}"]
                    gs, gk, gc, grc = measure(["git", "merge-file"] + args, d)
                    ds, dkb, dc, drc = measure([dk, "merge-file"] + args, d)
                    cpu_x = dc / max(gc, 0.01)
                    row = (f"{path:<11} {lang:<4} {lines:>7} {gs:>7.2f} {gk / 1024:>7.1f} "
                           f"{ds:>7.2f} {dkb / 1024:>7.1f} {ds / max(gs, 0.01):>7.1f} "
                           f"{dkb / max(gk, 1):>6.1f} {gc:>7.2f} {dc:>7.2f} {cpu_x:>6.1f}  "
                           f"{grc:>3} {drc:>3}")
                    if floor:
                        gi = instructions(["git", "merge-file"] + args, d)
                        if (lang, lines) not in parses:  # base is the same on both paths
                            parses[(lang, lines)] = instructions(
                                [dk, "tree", f"base.{ext}"], d, toggle="ts_parser_parse_string")
                        pi = parses[(lang, lines)]
                        row += f" {gi / 1e6:>8.1f} {pi / 1e6:>9.1f} {pi / gi:>8.1f}x"
                        floors.append((pi / gi, path, lang, lines))
                    print(row, flush=True)
                    key = (path, lang)
                    if gc >= 0.02 and cpu_x > worst.get(key, (0, 0))[0]:
                        worst[key] = (cpu_x, lines)
    for path in ("clean", "structured"):
        for lang in langs:
            if (path, lang) in worst:
                x, lines = worst[(path, lang)]
                print(f"{path} {lang}: worst CPU dk/git {x:.1f}x (at {lines} lines; target <= 10x: "
                      f"{'met' if x <= 10 else 'NOT met'})")
            else:
                print(f"{path} {lang}: git under 0.02 s CPU at every size, no ratio")
    if floors:
        lo, hi = min(floors), max(floors)
        print(f"one full parse of base alone / git's whole merge (instructions): "
              f"{lo[0]:.1f}x ({lo[1]} {lo[2]} {lo[3]}) to {hi[0]:.1f}x ({hi[1]} {hi[2]} {hi[3]}); "
              f"{sum(1 for f in floors if f[0] > 10)} of {len(floors)} over the 10x target "
              f"before dk does anything else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
