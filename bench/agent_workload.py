#!/usr/bin/env python3
"""bench/agent_workload.py - the agent workload: agents that each add one real
declaration at the same place, landed one after another.

    bench/agent_workload.py --dk build/release/dk [--limit N] [--per-file N]
        [--seed S] [--lang NAME]... [--json] [--json-out FILE] [--dump DIR] REPO...

REPO is a git repository (a bare mirror is fine); only its HEAD is read. From
real files of each REPO the script takes runs of 2-4 adjacent top-level
declarations (found with `dk symbols --json`; "top-level" = no parent, or a
parent that is a namespace/module, or in Java the file's only top-level
type; imports, includes, `use`, packages, namespaces and modules themselves
are not taken) and builds one scenario per
run:

  - unit k = declaration k's lines (its span: leading comments and attributes
    included) plus the blank lines just before it; a declaration that is one
    declarator of a statement declaring several over lines (`var a = x` /
    `  , b = y;`) is not taken (its lines are not a statement of their own);
  - base = the file without units 1..n;
  - agent k's file = base with unit k at its real place;
  - landing, as a server landing agents one after another would:
        result_1 = agent 1's file
        result_k = merge(base, ours=result_{k-1}, theirs=agent k's file)
    with `dk merge-file -p --json --path PATH` and, as the baseline,
    `git merge-file -p` (the same sequence);
  - the final result is compared with the real file (base with units 1..n in
    their real order, i.e. the file at HEAD, byte for byte).

Outcomes per tool: exact (byte-equal), differ (clean but different), conflict
(some step conflicted; the first conflicting step stops the landing), error
(exit 255 or a signal). For dk each failure gets a cause: for differ, "order:
by name" (the same lines, the declarations sorted by name), "order: newest
first", "order: other", or "content"; for a conflict, the failing step's
method, note and first conflict description with names and numbers removed,
e.g. "fallback (base has syntax errors)" or "structured: both sides added X
with different content".

Sampling (deterministic for a given --seed, repositories and dk binary):
files are grouped by language (dk's extensions); within a language the
repositories are visited round-robin, each repository's files in a seeded
random order, and at most --per-file runs (default 2, chosen at random among
the file's candidate runs) are taken from a file, until --limit scenarios
(default 60) per language or the files run out. Files over --max-bytes
(default 200000) and paths under vendor/third_party/node_modules or ending in
.min.js are skipped.

--json prints {"summary": ..., "scenarios": [...]} instead of the tables;
--json-out FILE writes it to FILE as well as printing the tables.
--dump DIR writes, for every scenario dk does not land exactly, the inputs
(base, agent_k), the expected file and dk's result, under DIR/<n>/.
Exit status: 0 when the run finished (whatever the numbers), 2 for usage
errors, 1 when dk or git cannot be run.

Python 3 standard library only.
"""

import argparse
import bisect
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile

SKIP_KINDS = {"include", "import", "use", "package", "namespace", "module", "mod"}
CONTAINER_KINDS = {"namespace", "module", "mod"}
ONE_TYPE_LANGS = {"java"}
SKIP_DIRS = ("vendor/", "third_party/", "third-party/", "node_modules/", "deps/")


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def git(repo, *args):
    r = run(["git", "--git-dir", git_dir(repo)] + list(args))
    if r.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


_gitdirs = {}


def git_dir(repo):
    if repo not in _gitdirs:
        r = run(["git", "-C", repo, "rev-parse", "--git-dir"])
        if r.returncode != 0:
            raise RuntimeError("%s is not a git repository" % repo)
        d = r.stdout.decode().strip()
        _gitdirs[repo] = d if os.path.isabs(d) else os.path.join(repo, d)
    return _gitdirs[repo]


def dk_languages(dk):
    """extension -> language, from `dk languages`."""
    r = run([dk, "languages"])
    if r.returncode != 0:
        raise RuntimeError("dk languages failed: %s" % r.stderr.decode(errors="replace"))
    ext = {}
    for line in r.stdout.decode().splitlines():
        parts = line.split()
        for e in parts[1:]:
            ext[e] = parts[0]
    return ext


def language_of(path, exts):
    base = os.path.basename(path)
    if base.endswith(".min.js"):
        return None
    dot = base.rfind(".")
    if dot <= 0:
        return None
    return exts.get(base[dot:])


def list_files(repo, exts, max_bytes):
    """[(path, language, blob, size)] of HEAD, sorted by path."""
    out = git(repo, "ls-tree", "-r", "-l", "-z", "HEAD")
    files = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, typ, blob, size = meta.split()
        if typ != b"blob" or mode not in (b"100644", b"100755") or not size.isdigit():
            continue  # not a file, or its blob is missing (a partial mirror)
        path = path.decode(errors="replace")
        if any(("/" + path).find("/" + d) >= 0 for d in SKIP_DIRS):
            continue
        lang = language_of(path, exts)
        size = int(size)
        if lang is None or size < 100 or size > max_bytes:
            continue
        files.append((path, lang, blob.decode(), size))
    files.sort()
    return files


def split_lines(data):
    """Lines with their terminators (the last one may lack it)."""
    lines = data.split(b"\n")
    out = [l + b"\n" for l in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def blank(line):
    return line.strip() == b""


def candidate_runs(symbols, lines, lang=None):
    """Runs (lists of symbols, 2..4 long) of adjacent siblings whose lines can be
    cut out cleanly. Returns [(syms, unit_starts)] with 0-based line indexes.
    In Java (ONE_TYPE_LANGS: a file is one top-level type) the members of a
    file's only top-level type count as top-level: that is where agents add."""
    offs = [0]
    for l in lines:
        offs.append(offs[-1] + len(l))

    def line_of(byte):
        return bisect.bisect_right(offs, byte) - 1

    for s in symbols:
        sp = s["span"]
        # 0-based first and last line from the bytes (a node that ends with its
        # newline, as a C #define does, ends at column 0 of the next line)
        s["_a"] = line_of(sp["start_byte"])
        s["_b"] = line_of(max(sp["start_byte"], sp["end_byte"] - 1))
        s["_col"] = sp["start_byte"] - offs[s["_a"]]
    top_names = {s["name"]: s["kind"] for s in symbols if s.get("parent") is None}
    containers = set(CONTAINER_KINDS)
    tops = [k for k in top_names.values() if k not in SKIP_KINDS]
    if lang in ONE_TYPE_LANGS and len(tops) == 1:
        containers.add(tops[0])
    groups = collections.OrderedDict()
    for s in symbols:
        p = s.get("parent")
        if p is None or top_names.get(p) in containers:
            groups.setdefault(p, []).append(s)
    runs = []
    for sibs in groups.values():
        sibs = sorted(sibs, key=lambda s: (s["span"]["start_byte"], s["span"]["end_byte"]))
        for i in range(len(sibs)):
            for n in (2, 3, 4):
                if i + n > len(sibs):
                    break
                run_ = sibs[i:i + n]
                unit_starts = usable(run_, sibs[i - 1] if i > 0 else None,
                                     sibs[i + n] if i + n < len(sibs) else None, lines)
                if unit_starts is None:
                    break  # a longer run from i has the same defect
                runs.append((run_, unit_starts))
    return runs


def usable(run_, prev, nxt, lines):
    """Unit start lines (0-based) if the run can be cut out, else None."""
    if any(s["kind"] in SKIP_KINDS for s in run_):
        return None
    starts = []
    for k, s in enumerate(run_):
        a, b = s["_a"], s["_b"]
        if a < 1 or b < a or b >= len(lines):  # not at the very top of the file
            return None
        if k > 0:
            pb = run_[k - 1]["_b"]
            if a <= pb:
                return None
            if not all(blank(l) for l in lines[pb + 1:a]):
                return None  # text that is not a declaration between them
            starts.append(pb + 1)
        else:
            if prev is not None and prev["_b"] >= a:
                return None
            g = a
            while g > 0 and blank(lines[g - 1]):
                g -= 1
            if g == 0:
                return None
            starts.append(g)
    last_end = run_[-1]["_b"]
    if nxt is not None and nxt["_a"] <= last_end:
        return None
    if any(shares_statement(s, lines) for s in run_):
        return None
    return starts


def shares_statement(s, lines):
    """True for one declarator of a statement that declares several over
    lines (`var a = x\n  , b = y;`): cutting its lines out would leave the
    rest of the statement, or an agent's file a dangling `, b = y`."""
    if b"," in lines[s["_a"]][:max(s["_col"], 0)]:
        return True
    for l in lines[s["_b"] + 1:]:
        if not blank(l):
            return l.lstrip().startswith(b",")
    return False


def make_scenario(lines, run_, starts):
    """base, the agents' files, the expected (real) file, and the units."""
    n = len(run_)
    ends = [s["_b"] + 1 for s in run_]  # exclusive
    units = [b"".join(lines[starts[k]:ends[k]]) for k in range(n)]
    prefix = b"".join(lines[:starts[0]])
    suffix = b"".join(lines[ends[-1]:])
    base = prefix + suffix
    agents = [prefix + u + suffix for u in units]
    expected = prefix + b"".join(units) + suffix
    return base, agents, expected, units


def dk_merge(dk, ours, base, theirs, path):
    r = run([dk, "merge-file", "-p", "--json", "--path", path, ours, base, theirs])
    if r.returncode < 0 or r.returncode == 255:
        return "error", None, {"method": None, "note": "exit %d: %s" % (
            r.returncode, r.stderr.decode(errors="replace").strip()[:200]), "kinds": []}
    try:
        j = json.loads(r.stdout.decode("utf-8", errors="surrogateescape"))
        merged = j["merged"].encode("utf-8", errors="surrogateescape")
    except (ValueError, KeyError) as e:
        return "error", None, {"method": None, "note": "bad JSON: %s" % e, "kinds": []}
    info = {"method": j.get("method"), "note": j.get("note"),
            "kinds": [c.get("kind") or "" for c in j.get("conflicts", [])],
            "descriptions": [c.get("description") or "" for c in j.get("conflicts", [])][:3]}
    return ("clean" if r.returncode == 0 else "conflict"), merged, info


def git_merge(ours, base, theirs):
    r = run(["git", "merge-file", "-p", ours, base, theirs])
    if r.returncode < 0:
        return "error", None, {}
    return ("clean" if r.returncode == 0 else "conflict"), r.stdout, {}


def land(tool, dk, tmp, path, base, agents):
    """Land agents one after another; returns (outcome, final_or_None, step, info)."""
    bname = os.path.basename(path)
    bp = os.path.join(tmp, "base." + bname)
    with open(bp, "wb") as f:
        f.write(base)
    result = agents[0]
    for k in range(1, len(agents)):
        op = os.path.join(tmp, "ours." + bname)
        tp = os.path.join(tmp, "theirs." + bname)
        with open(op, "wb") as f:
            f.write(result)
        with open(tp, "wb") as f:
            f.write(agents[k])
        if tool == "dk":
            st, merged, info = dk_merge(dk, op, bp, tp, path)
        else:
            st, merged, info = git_merge(op, bp, tp)
        if st != "clean":
            return st, merged, k + 1, info
        result = merged
    return "clean", result, len(agents), {}


def classify(st, final, expected, run_, units):
    """exact / differ / conflict / error, and for differ what kind:
    "order: by name" (the declarations came out sorted by name),
    "order: newest first", "order: other", or "content"."""
    if st != "clean":
        return st, None
    if final == expected:
        return "exact", None
    if sorted(split_lines(final)) != sorted(split_lines(expected)):
        return "differ", "content"
    pos = [final.find(u.lstrip(b"\n")) for u in units]
    if -1 in pos or len(set(pos)) != len(pos):
        return "differ", "order: other"
    got = sorted(range(len(units)), key=lambda k: pos[k])
    if got == sorted(range(len(units)), key=lambda k: (run_[k]["name"], k)):
        return "differ", "order: by name"
    if got == list(reversed(range(len(units)))):
        return "differ", "order: newest first"
    return "differ", "order: other"


def norm(text):
    """A note or conflict description without names and numbers."""
    t = re.sub(r"`[^`]*`", "X", text or "")
    t = re.sub(r" ?\(line \d+\)", "", t)
    t = re.sub(r"\d+", "N", t)
    return t.strip()


def cause_of(outcome, sub, info):
    if outcome == "exact":
        return None
    if outcome == "differ":
        return "differ: " + sub
    if outcome == "error":
        return "error: " + (info.get("note") or "")[:80]
    cause = info.get("method") or "?"
    if info.get("note"):
        cause += " (%s)" % norm(info["note"])
    descs = [norm(d) for d in info.get("descriptions") or []]
    if descs and (info.get("method") == "structured" or descs[0].startswith("the merged file was refused")):
        cause += ": " + descs[0]
    return cause


def sample(repos, dk, exts, args):
    """Yield (repo, path, lang, data, symbols, run_, starts) per scenario."""
    per_lang = collections.defaultdict(list)  # lang -> [(repo, [files])]
    for repo in repos:
        by_lang = collections.defaultdict(list)
        for f in list_files(repo, exts, args.max_bytes):
            if args.lang and f[1] not in args.lang:
                continue
            by_lang[f[1]].append(f)
        for lang, files in by_lang.items():
            rng = random.Random("%s:%s:%s" % (args.seed, lang, os.path.normpath(repo)))
            rng.shuffle(files)
            per_lang[lang].append((repo, files))
    tmp = tempfile.mkdtemp(prefix="dk-agents-sym-")
    try:
        for lang in sorted(per_lang):
            streams = sorted(per_lang[lang], key=lambda rf: rf[0])
            pos = [0] * len(streams)
            taken = 0
            while taken < args.limit:
                progressed = False
                for i, (repo, files) in enumerate(streams):
                    if taken >= args.limit:
                        break
                    # next file of this repository that yields a run
                    while pos[i] < len(files):
                        path, flang, blob, _ = files[pos[i]]
                        pos[i] += 1
                        try:
                            data = git(repo, "cat-file", "blob", blob)
                        except RuntimeError:
                            continue
                        if b"\0" in data[:8000]:
                            continue
                        fp = os.path.join(tmp, "f." + os.path.basename(path))
                        with open(fp, "wb") as f:
                            f.write(data)
                        r = run([dk, "symbols", "--json", fp])
                        if r.returncode != 0:
                            continue
                        try:
                            syms = json.loads(r.stdout.decode("utf-8", errors="surrogateescape"))[0]["symbols"]
                        except (ValueError, IndexError, KeyError):
                            continue
                        lines = split_lines(data)
                        runs = candidate_runs(syms, lines, lang)
                        if not runs:
                            continue
                        rng = random.Random("%s:%s:%s" % (args.seed, os.path.normpath(repo), path))
                        picks = rng.sample(runs, min(args.per_file, len(runs)))
                        for run_, starts in picks:
                            if taken >= args.limit:
                                break
                            taken += 1
                            yield repo, path, lang, lines, run_, starts
                        progressed = True
                        break
                if not progressed:
                    break
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


def main():
    ap = argparse.ArgumentParser(description="agent workload: concurrent additions of real "
                                 "declarations, landed one after another (dk vs git)")
    ap.add_argument("--dk", required=True, help="path of the dk binary")
    ap.add_argument("--limit", type=int, default=60, help="scenarios per language (default 60)")
    ap.add_argument("--per-file", type=int, default=2, help="at most N runs per file (default 2)")
    ap.add_argument("--seed", default="1", help="sampling seed (default 1)")
    ap.add_argument("--lang", action="append", default=[], help="only this language (repeatable)")
    ap.add_argument("--max-bytes", type=int, default=200000, help="skip larger files")
    ap.add_argument("--json", action="store_true", help="JSON instead of tables")
    ap.add_argument("--json-out", metavar="FILE", help="also write the JSON to FILE")
    ap.add_argument("--dump", help="write non-exact dk scenarios under DIR")
    ap.add_argument("repos", nargs="+", metavar="REPO")
    args = ap.parse_args()
    if args.limit < 1 or args.per_file < 1:
        ap.error("--limit and --per-file must be positive")
    dk = os.path.abspath(args.dk) if os.sep in args.dk else args.dk
    try:
        exts = dk_languages(dk)
        for r in args.repos:
            git_dir(r)
    except (OSError, RuntimeError) as e:
        print("agent_workload: %s" % e, file=sys.stderr)
        return 1

    scenarios = []
    tmp = tempfile.mkdtemp(prefix="dk-agents-")
    try:
        for repo, path, lang, lines, run_, starts in sample(args.repos, dk, exts, args):
            base, agents, expected, units = make_scenario(lines, run_, starts)
            rec = {"repo": os.path.normpath(repo), "path": path, "language": lang,
                   "agents": len(agents),
                   "decls": ["%s %s" % (s["kind"], s["name"]) for s in run_],
                   "lines": [starts[0] + 1, run_[-1]["_b"] + 1]}
            for tool in ("dk", "git"):
                st, final, step, info = land(tool, dk, tmp, path, base, agents)
                outcome, sub = classify(st, final, expected, run_, units)
                rec[tool] = outcome
                if tool == "dk":
                    rec["dk_detail"] = sub
                    rec["dk_step"] = step if st != "clean" else None
                    rec["dk_cause"] = cause_of(outcome, sub, info)
                    if info.get("note"):
                        rec["dk_note"] = info["note"]
                    if info.get("descriptions"):
                        rec["dk_conflicts"] = info["descriptions"]
                    if outcome != "exact" and args.dump:
                        d = os.path.join(args.dump, "%04d" % len(scenarios))
                        os.makedirs(d, exist_ok=True)
                        bn = os.path.basename(path)
                        for name, data in [("base." + bn, base), ("expected." + bn, expected)] + \
                                [("agent%d.%s" % (k + 1, bn), a) for k, a in enumerate(agents)] + \
                                ([("dk_result.%s" % bn, final)] if final is not None else []):
                            with open(os.path.join(d, name), "wb") as f:
                                f.write(data)
                        with open(os.path.join(d, "scenario.json"), "w") as f:
                            json.dump(rec, f, indent=1)
            scenarios.append(rec)
    except OSError as e:
        print("agent_workload: %s" % e, file=sys.stderr)
        return 1
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)

    summary = summarize(scenarios)
    doc = {"seed": args.seed, "limit": args.limit, "per_file": args.per_file,
           "repos": [os.path.normpath(r) for r in args.repos],
           "summary": summary, "scenarios": scenarios}
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=1)
    if args.json:
        json.dump(doc, sys.stdout, indent=1)
        print()
    else:
        print_tables(summary, scenarios)
    return 0


def summarize(scenarios):
    langs = collections.OrderedDict()
    order = collections.Counter(s["language"] for s in scenarios)
    for lang, _ in sorted(order.items(), key=lambda kv: (-kv[1], kv[0])):
        langs[lang] = [s for s in scenarios if s["language"] == lang]
    out = []
    for lang, ss in list(langs.items()) + [("TOTAL", scenarios)]:
        row = {"language": lang, "scenarios": len(ss),
               "repos": len({s["repo"] for s in ss}), "files": len({(s["repo"], s["path"]) for s in ss})}
        for tool in ("dk", "git"):
            c = collections.Counter(s[tool] for s in ss)
            for o in ("exact", "differ", "conflict", "error"):
                row["%s_%s" % (tool, o)] = c[o]
        row["dk_differ_order"] = sum(1 for s in ss if (s.get("dk_detail") or "").startswith("order"))
        row["dk_causes"] = collections.Counter(s["dk_cause"] for s in ss if s["dk_cause"]).most_common()
        out.append(row)
    return out


def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    -"


def print_tables(summary, scenarios):
    print("agent workload: %d scenarios (2-4 agents each add one real declaration at one place; "
          "landed one after another; compared with the real file)" % len(scenarios))
    print()
    hdr = "%-11s %5s %5s %5s | %6s %7s %6s %5s %5s %7s | %6s %6s %6s %5s" % (
        "language", "scen", "repos", "files", "dk-ex", "dk-ex%", "differ", "order", "confl", "dk-err",
        "git-ex", "differ", "confl", "err")
    print(hdr)
    print("-" * len(hdr))
    for r in summary:
        print("%-11s %5d %5d %5d | %6d %7s %6d %5d %5d %7d | %6d %6d %6d %5d" % (
            r["language"], r["scenarios"], r["repos"], r["files"], r["dk_exact"],
            pct(r["dk_exact"], r["scenarios"]), r["dk_differ"], r["dk_differ_order"],
            r["dk_conflict"], r["dk_error"], r["git_exact"], r["git_differ"], r["git_conflict"],
            r["git_error"]))
    print()
    print("dk's failures by cause (count, one example):")
    for r in summary[:-1]:
        if not r["dk_causes"]:
            continue
        print("  %s" % r["language"])
        for cause, n in r["dk_causes"]:
            ex = next(s for s in scenarios if s["language"] == r["language"] and s["dk_cause"] == cause)
            print("    %4d  %-60s e.g. %s:%s:%d-%d (%s)" % (
                n, cause, os.path.basename(ex["repo"].rstrip("/").replace("/repo", "")), ex["path"],
                ex["lines"][0], ex["lines"][1], "; ".join(ex["decls"])))


if __name__ == "__main__":
    sys.exit(main())
