#!/usr/bin/env python3
"""bench/gen_corpus.py OUTDIR - generate the merge benchmark corpus.

For each language (Python, C, Go, TypeScript) and size (about 100, 500 and
2000 lines) it writes a realistic file made of imports and many small
functions (and a few classes), and three-way scenarios on it, each as
OUTDIR/<lang>-<lines>-<scenario>/{base,ours,theirs}.<ext>:

  disjoint   both sides edit the bodies of different functions, far apart:
             git merges it cleanly
  adjacent   both sides edit different functions, some of them neighbours,
             and both add a new function after the same function and an
             import at the end of the imports: git conflicts, a structured
             merge need not
  conflict   both sides change the same line of one function (a real
             conflict for everyone), plus disjoint edits elsewhere

Deterministic (fixed seed), pure standard library.
"""
import os
import random
import sys

LANGS = {
    "py": "py",
    "c": "c",
    "go": "go",
    "ts": "ts",
}
SIZES = [100, 500, 2000]


class Fn:
    def __init__(self, name, body, comment, cls=None):
        self.name, self.body, self.comment, self.cls = name, body, comment, cls


def stmt(rng):
    k = rng.randrange(4)
    if k == 0:
        return "total = total + %d" % rng.randrange(100)
    if k == 1:
        return "total = helper_%d(total, %d)" % (rng.randrange(50), rng.randrange(9))
    if k == 2:
        return "count = count * %d" % (2 + rng.randrange(7))
    return "total = total - count"


def render_fn(lang, f):
    out = []
    semi = ";" if lang in ("c", "ts") else ""
    if lang == "py":
        ind = "    " if f.cls else ""
        if f.comment:
            out.append("%s# %s" % (ind, f.comment))
        out.append("%sdef %s(%stotal, count):" % (ind, f.name, "self, " if f.cls else ""))
        out += ["%s    %s" % (ind, s) for s in f.body]
        out.append("%s    return total" % ind)
    elif lang == "c":
        if f.comment:
            out.append("/* %s */" % f.comment)
        out.append("static int %s(int total, int count)" % f.name)
        out.append("{")
        out += ["    %s;" % s for s in f.body]
        out.append("    return total;")
        out.append("}")
    elif lang == "go":
        if f.comment:
            out.append("// %s" % f.comment)
        recv = "(r *%s) " % f.cls if f.cls else ""
        out.append("func %s%s(total int, count int) int {" % (recv, f.name))
        out += ["\t%s" % s for s in f.body]
        out.append("\treturn total")
        out.append("}")
    else:
        ind = "  " if f.cls else ""
        if f.comment:
            out.append("%s// %s" % (ind, f.comment))
        if f.cls:
            out.append("  %s(total: number, count: number): number {" % f.name)
        else:
            out.append("export function %s(total: number, count: number): number {" % f.name)
        out += ["%s  %s%s" % (ind, s, semi) for s in f.body]
        out.append("%s  return total%s" % (ind, semi))
        out.append("%s}" % ind)
    return out


def render(lang, imports, items):
    """items: list of Fn or ('class', name, [Fn])"""
    out = []
    if lang == "go":
        out += ["package bench", "", "import ("] + ['\t"%s"' % i for i in imports] + [")"]
    elif lang == "py":
        out += ["import %s" % i for i in imports]
    elif lang == "c":
        out += ["#include <%s.h>" % i for i in imports]
    else:
        out += ["import { %s } from './%s';" % (i, i) for i in imports]
    for it in items:
        out += [""] if lang != "py" else ["", ""]
        if isinstance(it, Fn):
            out += render_fn(lang, it)
            continue
        _, name, methods = it
        if lang == "py":
            out.append("class %s:" % name)
            for k, m in enumerate(methods):
                if k:
                    out.append("")
                out += render_fn(lang, m)
        elif lang == "c":
            out.append("struct %s {" % name)
            out += ["    int %s;" % m.name for m in methods]
            out.append("};")
        elif lang == "go":
            out.append("type %s struct {" % name)
            out.append("\tn int")
            out.append("}")
            for m in methods:
                out.append("")
                out += render_fn(lang, m)
        else:
            out.append("export class %s {" % name)
            for k, m in enumerate(methods):
                if k:
                    out.append("")
                out += render_fn(lang, m)
            out.append("}")
    return "\n".join(out) + "\n"


def make_base(rng, lang, target_lines):
    imports = ["mod_%d" % i for i in range(6)]
    items = []
    n = 0
    lines = 8
    while lines < target_lines:
        n += 1
        if n % 9 == 0:
            cls = "Widget%d" % n
            methods = [Fn("method_%d_%d" % (n, k), [stmt(rng) for _ in range(rng.randrange(2, 6))],
                          None, cls) for k in range(3)]
            items.append(("class", cls, methods))
            lines += 3 + sum(len(m.body) + 4 for m in methods)
        else:
            body = [stmt(rng) for _ in range(rng.randrange(2, 8))]
            comment = "compute step %d of the pipeline" % n if rng.random() < 0.4 else None
            items.append(Fn("step_%d" % n, body, comment))
            lines += len(body) + (6 if lang in ("c",) else 4)
    return imports, items


def functions(items):
    return [i for i, it in enumerate(items) if isinstance(it, Fn)]


def copy_items(items):
    out = []
    for it in items:
        if isinstance(it, Fn):
            out.append(Fn(it.name, list(it.body), it.comment, it.cls))
        else:
            out.append(("class", it[1], [Fn(m.name, list(m.body), m.comment, m.cls) for m in it[2]]))
    return out


def edit_body(rng, f, tag):
    f.body[rng.randrange(len(f.body))] = "total = edited_%s(total)" % tag


def scenario(rng, lang, imports, items, kind):
    ours_i, theirs_i = list(imports), list(imports)
    ours, theirs = copy_items(items), copy_items(items)
    fns = functions(items)
    half = len(fns) // 2
    if kind == "disjoint":
        for k in range(3):
            edit_body(rng, ours[fns[rng.randrange(0, max(1, half - 2))]], "o%d" % k)
            edit_body(rng, theirs[fns[rng.randrange(half + 1, len(fns))]], "t%d" % k)
    elif kind == "adjacent":
        a = fns[len(fns) // 3]
        nxt = [i for i in fns if i > a][0]
        edit_body(rng, ours[a], "o0")
        edit_body(rng, theirs[nxt], "t0")
        edit_body(rng, ours[fns[-1]], "o1")
        edit_body(rng, theirs[fns[0]], "t1")
        # both add a function after the same one, and an import at the end
        at = fns[len(fns) // 2]
        ours.insert(at + 1, Fn("added_by_ours", ["total = total + 1"], None))
        theirs.insert(at + 1, Fn("added_by_theirs", ["total = total + 2"], None))
        ours_i.append("ours_mod")
        theirs_i.append("theirs_mod")
    else:
        a = fns[len(fns) // 2]
        ours[a].body[0] = "total = total + 1000"
        theirs[a].body[0] = "total = total + 2000"
        edit_body(rng, ours[fns[1]], "o0")
        edit_body(rng, theirs[fns[-2]], "t0")
    return (render(lang, imports, items), render(lang, ours_i, ours), render(lang, theirs_i, theirs))


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(sys.argv) > 1 and sys.argv[1].startswith("-"):
        sys.stderr.write("gen_corpus.py: unknown option %s (usage: gen_corpus.py [OUTDIR])\n" % sys.argv[1])
        return 2
    out = sys.argv[1] if len(sys.argv) > 1 else "build/bench-corpus"
    rng = random.Random(20260501)
    for lang, ext in LANGS.items():
        for size in SIZES:
            imports, items = make_base(rng, lang, size)
            for kind in ("disjoint", "adjacent", "conflict"):
                d = os.path.join(out, "%s-%d-%s" % (lang, size, kind))
                os.makedirs(d, exist_ok=True)
                texts = scenario(rng, lang, imports, items, kind)
                for name, text in zip(("base", "ours", "theirs"), texts):
                    with open(os.path.join(d, "%s.%s" % (name, ext)), "w") as f:
                        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
