#!/usr/bin/env python3
"""bench/context_eval.py - relevance of dk's code context on real histories (issue 8).

For each repository (a bare git directory, e.g. /work/.mirror/pallets+click/repo):

  1. sample: walk first-parent, non-merge commits from HEAD (newest first) and keep those that
     change exactly one function: exactly one changed file in a language dk parses that is not
     test code (other changed files may be docs, changelogs, tests), every changed line of it
     inside one function or method (`dk symbols --json` on both versions), and that function
     present in the parent under the same qualified name;
  2. measure (bench/context_eval.c, linking libdk): import the repository into a scratch
     engine, move its branch to each sample's parent (oldest first, so the index is updated
     incrementally), query dk_context with the commit's subject line, and record the rank of
     the changed function; in the same run, the naive baseline ranks every function of the
     parent by how many distinct query words occur in its text (ties: the mean rank of the tie);
  3. report top-1, top-10 and MRR per repository (a rank past 100 counts as a miss, for both).

usage: bench/context_eval.py [--samples N] [--skip N] [--scan N] [--dk build/release] [--cache DIR]
                             [--pg POSTGRESQL_URL] [--verbose] REPO_DIR...
"no word" counts the samples whose subject shares no word with the changed function's text.
Exits 0 whatever the numbers; prints a markdown table (docs/context.md holds the last one).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

SUPPORTED = {
    "py", "go", "rs", "c", "h", "cc", "cpp", "hpp", "cxx", "js", "jsx", "ts", "tsx", "mjs", "cjs",
    "java", "rb", "php", "cs", "swift", "kt", "scala", "sh", "bash", "hs", "jl",
}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True, capture_output=True).stdout


def is_test(path):
    p = "/" + path
    base = path.rsplit("/", 1)[-1]
    if any(d in p for d in ("/test/", "/tests/", "/testing/", "/spec/", "/__tests__/", "/testdata/")):
        return True
    return (base.startswith("test_") or "_test." in base or ".test." in base or ".spec." in base
            or "_spec." in base or "Test." in base or "Tests." in base)


def symbols(dk, path, text, tmp):
    """Functions and methods of `text` (as file `path`): [(qname, start_line, end_line)]."""
    ext = path.rsplit(".", 1)[-1]
    f = os.path.join(tmp, "f." + ext)
    with open(f, "wb") as fh:
        fh.write(text)
    r = subprocess.run([dk, "symbols", "--json", f], capture_output=True)
    if r.returncode != 0:
        return None
    out = []
    for fobj in json.loads(r.stdout):
        for s in fobj["symbols"]:
            if s["kind"] in ("function", "method"):
                out.append((s["qualified_name"], s["span"]["start_line"], s["span"]["end_line"]))
    return out


def hunks(repo, commit, path):
    """[(old_start, old_count, new_start, new_count)] of `git diff -U0 commit^ commit -- path`."""
    out = git(repo, "diff", "-U0", "--no-color", commit + "^", commit, "--", path).decode("utf-8", "replace")
    res = []
    for line in out.splitlines():
        if line.startswith("@@"):
            a, b = line.split(" ")[1:3]
            def parse(x):
                x = x[1:]
                if "," in x:
                    s, n = x.split(",")
                    return int(s), int(n)
                return int(x), 1
            os_, on = parse(a)
            ns, nn = parse(b)
            res.append((os_, on, ns, nn))
    return res


def covering(funcs, start, count):
    """The innermost functions whose span covers lines [start, start+count)."""
    if count == 0:
        # a pure insertion/deletion after line `start`: the function holding line start..start+1
        lines = [start, start + 1]
    else:
        lines = list(range(start, start + count))
    names = set()
    for ln in lines:
        best = None
        for q, s, e in funcs:
            if s <= ln <= e and (best is None or e - s < best[2] - best[1]):
                best = (q, s, e)
        if best is None:
            if count == 0:
                continue
            return None
        names.add(best[0])
    return names


def sample(repo, dk, want, scan):
    revs = git(repo, "rev-list", "--first-parent", "--no-merges", "-n", str(scan), "HEAD").decode().split()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for c in revs:
            if len(out) >= want:
                break
            try:
                files = git(repo, "diff-tree", "--no-commit-id", "-r", "--name-status", c + "^", c).decode(
                    "utf-8", "replace").splitlines()
            except subprocess.CalledProcessError:
                continue
            code = []
            for ln in files:
                st, _, p = ln.partition("\t")
                if "." in p and p.rsplit(".", 1)[-1] in SUPPORTED and not is_test(p):
                    code.append((st, p))
            if len(code) != 1 or code[0][0] != "M":
                continue
            path = code[0][1]
            try:
                old = git(repo, "show", c + "^:" + path)
                new = git(repo, "show", c + ":" + path)
            except subprocess.CalledProcessError:
                continue
            fo, fn = symbols(dk, path, old, tmp), symbols(dk, path, new, tmp)
            if not fo or not fn:
                continue
            names = set()
            ok = True
            for os_, on, ns, nn in hunks(repo, c, path):
                a = covering(fo, os_, on) if on else set()
                b = covering(fn, ns, nn) if nn else set()
                if a is None or b is None:
                    ok = False
                    break
                names |= a | b
            if not ok or len(names) != 1:
                continue
            q = names.pop()
            if q not in {x[0] for x in fo}:
                continue
            subject = git(repo, "log", "-1", "--format=%s", c).decode("utf-8", "replace").strip()
            if not subject or "\t" in subject:
                continue
            parent = git(repo, "rev-parse", c + "^").decode().strip()
            out.append((parent, path, q, subject, c))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--scan", type=int, default=3000)
    ap.add_argument("--dk", default="build/release")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--cache", help="directory keeping each repository's samples (NAME.tsv)")
    ap.add_argument("--pg", metavar="URL",
                    help="also rank on PostgreSQL (a server URL; a scratch database is made per "
                         "repository) and report how often both stores give the same answer")
    ap.add_argument("--skip", type=int, default=0,
                    help="leave out the newest N sampled commits (another sample of the history)")
    ap.add_argument("repos", nargs="+")
    a = ap.parse_args()
    dk = os.path.join(a.dk, "dk")
    driver = os.path.join(a.dk, "context_eval")
    rows = []
    for repo in a.repos:
        name = os.path.basename(os.path.dirname(repo.rstrip("/"))) if repo.rstrip("/").endswith("/repo") else os.path.basename(repo)
        cached = os.path.join(a.cache, name + ".tsv") if a.cache else None
        if cached and os.path.exists(cached):
            with open(cached) as fh:
                samples = [tuple(line.rstrip("\n").split("\t")) for line in fh if line.strip()]
        else:
            samples = sample(repo, dk, a.samples + a.skip, a.scan)[a.skip:]
            samples.reverse()  # oldest first: the index moves forward
            if cached:
                os.makedirs(a.cache, exist_ok=True)
                with open(cached, "w") as fh:
                    for s in samples:
                        fh.write("\t".join(s) + "\n")
        if not samples:
            print(f"{name}: no samples", file=sys.stderr)
            continue
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=".tsv") as fh:
            for s in samples:
                fh.write("\t".join(s[:4]) + "\n")
            tsv = fh.name
        env = dict(os.environ)
        if a.pg:
            env["DK_EVAL_PG_URL"] = a.pg
        r = subprocess.run([driver, repo, tsv], capture_output=True, text=True, env=env)
        os.unlink(tsv)
        if r.returncode != 0:
            print(f"{name}: driver failed: {r.stderr.strip()}", file=sys.stderr)
            continue
        res = [line.split("\t") for line in r.stdout.splitlines() if line and not line.startswith("#")]
        def metrics(col, only_words=False):
            ranks = [float(x[col]) for x in res if not only_words or (len(x) > 3 and x[3] != "0")]
            if not ranks:
                return 0.0, 0.0, 0.0
            top1 = sum(1 for k in ranks if 0 < k <= 1) / len(ranks)
            top10 = sum(1 for k in ranks if 0 < k <= 10) / len(ranks)
            mrr = sum(1 / k for k in ranks if 0 < k <= 100) / len(ranks)
            return top1, top10, mrr
        d, b = metrics(0), metrics(1)
        ms = [float(x[2]) for x in res]
        # samples whose subject shares no word with the changed function's text: no word-based
        # ranking can find them (the baseline's tie-averaged rank still scores 1/(N/2))
        noword = sum(1 for x in res if len(x) > 3 and x[3] == "0")
        pg = None
        if a.pg and all(len(x) > 5 for x in res):
            pg = (metrics(4), sum(1 for x in res if x[5] == "1"))
        words_mrr = (metrics(0, True)[2], metrics(1, True)[2])
        rows.append((name, len(res), d, b, sorted(ms)[len(ms) // 2], noword, pg, words_mrr))
        if a.verbose:
            for s, x in zip(samples, res):
                extra = f" pg={x[4]} same={x[5]}" if pg else ""
                words = x[3] if len(x) > 3 else "?"
                print(f"  {name} dk={x[0]} base={x[1]} words={words}{extra} {s[2]} <- {s[3]!r}",
                      file=sys.stderr)
    print("| repository | samples | dk top-1 | dk top-10 | dk MRR | baseline top-1 | baseline top-10 | baseline MRR | no word | MRR with a word: dk / baseline | query p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, n, d, b, p50, noword, _, wm in rows:
        print(f"| {name} | {n} | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.3f} | {b[0]:.2f} | {b[1]:.2f} | {b[2]:.3f} | {noword} | {wm[0]:.3f} / {wm[1]:.3f} | {p50:.1f} |")
    if any(r[6] for r in rows):
        print()
        print("| repository | PostgreSQL top-1 | top-10 | MRR | same answer as SQLite |")
        print("|---|---|---|---|---|")
        for name, n, _, _, _, _, pg, _ in rows:
            if pg:
                (t1, t10, mrr), same = pg
                print(f"| {name} | {t1:.2f} | {t10:.2f} | {mrr:.3f} | {same}/{n} |")


if __name__ == "__main__":
    main()
