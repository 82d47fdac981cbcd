#!/usr/bin/env python3
"""bench/replay_corpus.py - `dk replay` over several repositories, summed per
language, with the cause of every conflict dk leaves.

    bench/replay_corpus.py --dk build/release/dk [--merges N] [--save DIR]
        [--json] REPO...
    bench/replay_corpus.py --dk build/release/dk --load DIR [--json] [--json-out FILE]

Runs `dk replay REPO --merges N --json` on each REPO in turn (one at a time;
--save DIR keeps each raw JSON as DIR/<name>.json, --load DIR re-reads them
instead of replaying). Then, per language (dk's, from the file's path):

  scenarios, git-conf, dk-conf, wins (git conflicted, dk clean), wins=truth
  (of those, dk equal to the merge commit's file), regr (git clean, dk
  conflicted), clean!=git (both clean, dk's result differs from git's: a new
  false merge unless dk is the one equal to the truth), dk!=truth, errors.

Causes: for every scenario where dk conflicts (the remaining conflicts and the
regressions), the merge is re-run with `dk merge-file --json` on the same
three blobs (base = the merge base of the two parents) and classified from
dk's method, note and conflict descriptions, names and numbers removed:
"fallback: ours has syntax errors", "structured: both sides changed the same
lines of function", "structured: ... deleted ..., ... modified it",
"structured: both sides changed the lines around" (text between
declarations), "structured: the merged file was refused: ..." (the gate).
A scenario with several conflicts counts once per distinct cause.

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def repo_name(repo):
    p = os.path.normpath(repo)
    if os.path.basename(p) in ("repo", ".git"):
        p = os.path.dirname(p)
    return os.path.basename(p)


def norm(text):
    t = re.sub(r"`[^`]*`", "X", text or "")
    t = re.sub(r"\(line \d+\)", "", t)
    t = re.sub(r"\d+", "N", t)
    return t.strip()


def remerge(repo, sc, dk, tmp):
    """dk merge-file --json on the scenario's three blobs: (json, truth bytes)
    or (error string, None)."""
    c = sc["commit"]
    r = run(["git", "--git-dir", repo, "rev-parse", c + "^1", c + "^2"])
    if r.returncode != 0:
        return "?: parents unreadable", None
    p1, p2 = r.stdout.decode().split()
    r = run(["git", "--git-dir", repo, "merge-base", p1, p2])
    if r.returncode != 0:
        return "?: no merge base", None
    mb = r.stdout.decode().strip()
    files = []
    for rev, tag in ((p1, "ours"), (mb, "base"), (p2, "theirs")):
        r = run(["git", "--git-dir", repo, "cat-file", "blob", "%s:%s" % (rev, sc["path"])])
        if r.returncode != 0:
            return "?: blob unreadable", None
        f = os.path.join(tmp, tag)
        with open(f, "wb") as fh:
            fh.write(r.stdout)
        files.append(f)
    truth = run(["git", "--git-dir", repo, "cat-file", "blob", "%s:%s" % (c, sc["path"])]).stdout
    r = run([dk, "merge-file", "-p", "--json", "--path", sc["path"]] + files)
    try:
        return json.loads(r.stdout.decode("utf-8", errors="surrogateescape")), truth
    except ValueError:
        return "?: dk merge-file gave no JSON (exit %d)" % r.returncode, None


def how_different(repo, sc, dk, tmp):
    """For a clean dk result that is not the truth: "order" when it holds the
    truth's lines in another order, "whitespace" when only blank lines or
    trailing blanks differ, else "content"."""
    j, truth = remerge(repo, sc, dk, tmp)
    if truth is None:
        return j
    got = j["merged"].encode("utf-8", errors="surrogateescape")
    gl, tl = got.splitlines(), truth.splitlines()
    if sorted(gl) == sorted(tl):
        return "order"
    if [l.rstrip() for l in gl if l.strip()] == [l.rstrip() for l in tl if l.strip()]:
        return "whitespace"
    return "content"


def causes_of(repo, sc, dk, tmp):
    """Distinct causes of dk's conflicts in one scenario, and up to two raw
    conflict descriptions."""
    if sc["language"] == "other":
        return ["line (no language)"], None
    j, truth = remerge(repo, sc, dk, tmp)
    if truth is None:
        return [j], None
    head = j.get("method") or "?"
    if j.get("note"):
        head += " (%s)" % norm(j["note"])
    out = []
    descs = []
    for cf in j.get("conflicts", []):
        d = cf.get("description") or ""
        descs.append(d)
        # a line merge's boxes all say the same; the gate's refusal says why
        if j.get("method") != "structured" and not d.startswith("the merged file was refused"):
            k = head
        else:
            k = "%s: %s" % (head, norm(d))
        if k not in out:
            out.append(k)
    if not out:
        out.append(head)
    return out, descs[:2]


COARSE = ["syntax-fallback", "gate-refused", "same-decl", "same-stmt", "delete/modify",
          "gap-text", "both-added", "line-only", "other"]


def coarse(cause):
    """One of COARSE for a cause string."""
    if "refused" in cause:
        return "gate-refused"
    if cause.startswith("fallback") and "syntax errors" in cause:
        return "syntax-fallback"
    if cause.startswith("line"):
        return "line-only"
    if "changed the same lines of" in cause:
        return "same-decl"
    # statement-level conflicts inside one declaration (merge/stmt.c)
    if ("the statement X" in cause or "the statements from X" in cause
            or "different statements at one place" in cause):
        return "same-stmt"
    if "deleted X" in cause:
        return "delete/modify"
    if "lines around" in cause or "between declarations" in cause or "between the members" in cause:
        return "gap-text"
    if "both sides added" in cause:
        return "both-added"
    return "other"


def main():
    ap = argparse.ArgumentParser(description="dk replay over several repositories, per language and cause")
    ap.add_argument("--dk", required=True)
    ap.add_argument("--merges", type=int, default=300)
    ap.add_argument("--save", help="keep each repository's raw replay JSON in DIR")
    ap.add_argument("--load", help="read the raw replay JSON from DIR instead of replaying")
    ap.add_argument("--json", action="store_true", help="JSON instead of the tables")
    ap.add_argument("--json-out", metavar="FILE", help="also write the JSON to FILE")
    ap.add_argument("repos", nargs="*", metavar="REPO")
    args = ap.parse_args()
    dk = os.path.abspath(args.dk) if os.sep in args.dk else args.dk

    reports = []  # (repo_path, replay_json)
    if args.load:
        for fn in sorted(os.listdir(args.load)):
            if fn.endswith(".json"):
                with open(os.path.join(args.load, fn)) as f:
                    reports.append(json.load(f))
    else:
        if not args.repos:
            ap.error("REPO... or --load DIR")
        for repo in args.repos:
            r = run([dk, "replay", repo, "--merges", str(args.merges), "--json"])
            if r.returncode != 0:
                print("replay_corpus: dk replay %s: exit %d: %s" % (
                    repo, r.returncode, r.stderr.decode(errors="replace")[:300]), file=sys.stderr)
                continue
            j = json.loads(r.stdout.decode("utf-8", errors="surrogateescape"))
            if args.save:
                os.makedirs(args.save, exist_ok=True)
                with open(os.path.join(args.save, repo_name(repo) + ".json"), "w") as f:
                    json.dump(j, f)
            reports.append(j)

    rows = collections.OrderedDict()
    causes = collections.defaultdict(collections.Counter)
    cause_scen = collections.Counter()
    coarse_tab = collections.defaultdict(collections.Counter)
    examples = {}
    listing = collections.defaultdict(list)
    tmp = tempfile.mkdtemp(prefix="dk-replay-corpus-")
    try:
        for rep in reports:
            repo = rep["repo"]
            gd = run(["git", "-C", repo, "rev-parse", "--git-dir"]).stdout.decode().strip()
            gd = gd if os.path.isabs(gd) else os.path.join(repo, gd)
            name = repo_name(repo)
            for sc in rep["scenarios"]:
                lang = sc["language"]
                row = rows.setdefault(lang, collections.Counter())
                rrow = rows.setdefault("repo:" + name, collections.Counter())
                for r_ in (row, rrow):
                    r_["scenarios"] += 1
                    r_["git_conf"] += not sc["git_clean"]
                    r_["dk_conf"] += (not sc["dk_clean"]) and not sc["error"]
                    r_["errors"] += bool(sc["error"])
                    win = (not sc["git_clean"]) and sc["dk_clean"]
                    r_["wins"] += win
                    r_["wins_truth"] += win and sc["dk_equal_truth"]
                    r_["regr"] += sc["git_clean"] and not sc["dk_clean"]
                    r_["clean_ne_git"] += sc["git_clean"] and sc["dk_clean"] and not sc["dk_equal_git"]
                    r_["dk_ne_truth"] += sc["dk_clean"] and not sc["dk_equal_truth"]
                    r_["dk_ne_truth_git_same"] += (sc["dk_clean"] and not sc["dk_equal_truth"]
                                                   and sc["git_clean"] and sc["dk_equal_git"])
                where = "%s %s %s" % (name, sc["commit"][:10], sc["path"])
                if sc["git_clean"] and sc["dk_clean"] and not sc["dk_equal_git"]:
                    listing["clean_ne_git"].append(where + (
                        " (dk=truth)" if sc["dk_equal_truth"] else " (dk vs truth: %s; git %s the truth)" % (
                            how_different(gd, sc, dk, tmp),
                            "equals" if sc["git_equal_truth"] else "differs from")))
                if (not sc["git_clean"]) and sc["dk_clean"] and not sc["dk_equal_truth"]:
                    hd = how_different(gd, sc, dk, tmp)
                    listing["win_ne_truth"].append("%s (%s)" % (where, hd))
                    for r_ in (row, rrow):
                        r_["wins_ne_truth_" + hd] += 1
                if sc["error"]:
                    listing["errors"].append(where)
                if not sc["dk_clean"] and not sc["error"]:
                    cs, descs = causes_of(gd, sc, dk, tmp)
                    bucket = "regression" if sc["git_clean"] else "remaining"
                    if bucket == "regression":
                        listing["regressions"].append("%s (%s; git's clean result %s the truth)" % (
                            where, "; ".join(cs), "equals" if sc["git_equal_truth"] else "differs from"))
                    cause_scen[(lang, bucket)] += 1
                    # coarse: the first cause of the scenario decides
                    coarse_tab[(lang, bucket)][coarse(cs[0])] += 1
                    for c in cs:
                        causes[(lang, bucket)][c] += 1
                        examples.setdefault((lang, bucket, c), (where, descs))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)

    langs = [k for k in rows if not k.startswith("repo:")]
    langs.sort(key=lambda k: -rows[k]["scenarios"])
    total = collections.Counter()
    for k in langs:
        total.update(rows[k])
    cols = ["scenarios", "git_conf", "dk_conf", "wins", "wins_truth", "regr", "clean_ne_git",
            "dk_ne_truth", "dk_ne_truth_git_same", "errors"]
    summary = None
    if args.json or args.json_out:
        summary = {"repos": [{"repo": r["repo"], "merges": r["merges"]} for r in reports],
                   "languages": {k: dict(rows[k]) for k in langs},
                   "repositories": {k[5:]: dict(v) for k, v in rows.items() if k.startswith("repo:")},
                   "total": dict(total),
                   "causes": {"%s/%s" % k: v.most_common() for k, v in causes.items()},
                   "cause_scenarios": {"%s/%s" % k: v for k, v in cause_scen.items()},
                   "coarse": {"%s/%s" % k: dict(v) for k, v in coarse_tab.items()},
                   "examples": {"%s/%s/%s" % k: v for k, v in examples.items()},
                   "listing": listing}
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(summary, f, indent=1)
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        print()
        return 0
    hdr = "%-16s %6s %6s %6s %5s %6s %5s %7s %7s %6s %5s %7s" % (
        "language/repo", "scen", "gitcf", "dkcf", "wins", "w=tru", "regr", "cln!=g", "dk!=tr",
        "(evil)", "err", "wins%")
    print("dk replay over %d repositories (%s)" % (
        len(reports), ", ".join("%s:%d" % (repo_name(r["repo"]), r["merges"]) for r in reports)))
    print()

    def line(label, r):
        print("%-16s %6d %6d %6d %5d %6d %5d %7d %7d %6d %5d %7s" % (
            label[:16], r["scenarios"], r["git_conf"], r["dk_conf"], r["wins"], r["wins_truth"], r["regr"],
            r["clean_ne_git"], r["dk_ne_truth"], r["dk_ne_truth_git_same"], r["errors"],
            ("%.1f%%" % (100.0 * r["wins"] / r["git_conf"])) if r["git_conf"] else "-"))
    print(hdr)
    print("-" * len(hdr))
    for k in langs:
        line(k, rows[k])
    line("TOTAL", total)
    print()
    print(hdr)
    print("-" * len(hdr))
    for k in sorted(k for k in rows if k.startswith("repo:")):
        line(k[5:], rows[k])
    print()
    print("wins where dk != truth, by how: order (same lines, other order), whitespace, content:")
    for k in langs + ["TOTAL"]:
        r = total if k == "TOTAL" else rows[k]
        if r["wins"]:
            print("  %-12s wins %4d  =truth %4d  order %4d  whitespace %4d  content %4d" % (
                k, r["wins"], r["wins_truth"], r["wins_ne_truth_order"], r["wins_ne_truth_whitespace"],
                r["wins_ne_truth_content"]))
    print()
    print("dk's remaining conflicts (git conflicted too) by coarse cause (a scenario's first conflict decides):")
    chdr = "%-12s %5s " % ("language", "total") + " ".join("%15s" % c for c in COARSE)
    print(chdr)
    print("-" * len(chdr))
    ctot = collections.Counter()
    for k in langs:
        t = coarse_tab.get((k, "remaining"), collections.Counter())
        ctot.update(t)
        print("%-12s %5d " % (k, sum(t.values())) + " ".join("%15d" % t[c] for c in COARSE))
    print("%-12s %5d " % ("TOTAL", sum(ctot.values())) + " ".join("%15d" % ctot[c] for c in COARSE))
    print()
    print("causes of dk's conflicts (scenarios; a scenario counts once per distinct cause):")
    for (lang, bucket), cnt in sorted(causes.items(), key=lambda kv: (kv[0][1] != "remaining",
                                                                      -cause_scen[kv[0]], kv[0])):
        print("  %s, %s (%d scenarios)" % (lang, bucket, cause_scen[(lang, bucket)]))
        for c, n in cnt.most_common(12):
            where, descs = examples[(lang, bucket, c)]
            print("    %4d  %-70s e.g. %s" % (n, c[:70], where))
    for k, title in (("regressions", "regressions"), ("clean_ne_git", "both clean, dk != git"),
                     ("win_ne_truth", "wins where dk != truth"), ("errors", "errors")):
        if listing[k]:
            print()
            print("%s (%d):" % (title, len(listing[k])))
            for w in listing[k][:60]:
                print("  " + w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
