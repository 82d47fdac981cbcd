#!/usr/bin/env python3
"""bench/conflict_remerge.py - two dk builds on the files git conflicts on.

    bench/conflict_remerge.py --load DIR --old DK_OLD --new DK_NEW [--lang c ...]

DIR holds the raw replays `bench/replay_corpus.py --save DIR` kept (one JSON
per repository, each naming its repository). For every scenario git
conflicts on (of the languages asked for; all by default), both builds merge
the same three blobs with `dk merge-file --json` (replay_corpus.remerge), and
the tables say, per language: git's conflicts, dk's wins (clean) and those
equal to the merge commit's file, before and after; the remaining conflicts by
the first conflict's cause (replay_corpus.coarse); then every scenario whose
outcome changed, with `=truth` or `differs` for a new clean result (each one
to review by hand against the merge commit before landing).

A merge change that only touches the structured merge changes nothing where
git merges cleanly and the gate accepts it, so this takes minutes where a
whole replay takes an hour: the git-clean scenarios the gate refused are
listed by `replay_corpus.py` (regr, method fallback/structured) and are few.

Python 3 standard library only.
"""

import argparse
import collections
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_corpus as rc  # noqa: E402


def outcome(repo, sc, dk, tmp):
    """(clean, equal to the truth, coarse cause or None) of dk on one scenario."""
    j, truth = rc.remerge(repo, sc, dk, tmp)
    if truth is None:
        return None, False, "error: %s" % j
    if j.get("clean"):
        got = j["merged"].encode("utf-8", errors="surrogateescape")
        return True, got == truth, None
    head = j.get("method") or "?"
    if j.get("note"):
        head += " (%s)" % rc.norm(j["note"])
    cfs = j.get("conflicts") or [{}]
    d = cfs[0].get("description") or ""
    if j.get("method") != "structured" and not d.startswith("the merged file was refused"):
        return False, False, rc.coarse(head)
    return False, False, rc.coarse("%s: %s" % (head, rc.norm(d)))


def main():
    ap = argparse.ArgumentParser(description="two dk builds on the files git conflicts on")
    ap.add_argument("--load", required=True, help="replay_corpus.py --save directory")
    ap.add_argument("--old", required=True, help="dk binary before")
    ap.add_argument("--new", required=True, help="dk binary after")
    ap.add_argument("--lang", action="append", help="only this language (repeatable)")
    ap.add_argument("--json-out", metavar="FILE", help="also write every outcome as JSON")
    args = ap.parse_args()
    dks = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="dk-remerge-") as tmp:
        for f in sorted(glob.glob(os.path.join(args.load, "*.json"))):
            with open(f) as fh:
                d = json.load(fh)
            for sc in d.get("scenarios", []):
                if sc.get("git_clean") or sc.get("error"):
                    continue
                if args.lang and sc["language"] not in args.lang:
                    continue
                row = {"repo": rc.repo_name(d["repo"]), "commit": sc["commit"],
                       "path": sc["path"], "language": sc["language"]}
                for tag, dk in dks.items():
                    row[tag] = outcome(d["repo"], sc, dk, tmp)
                rows.append(row)
    langs = sorted({r["language"] for r in rows}, key=lambda l: -sum(r["language"] == l for r in rows))
    print("language  git-conf | wins old  =truth | wins new  =truth")
    for lang in langs:
        rs = [r for r in rows if r["language"] == lang]
        cell = []
        for tag in ("old", "new"):
            w = [r for r in rs if r[tag][0]]
            cell.append("%4d %5.1f%% %6d" % (len(w), 100.0 * len(w) / len(rs), sum(r[tag][1] for r in w)))
        print("%-9s %8d | %s | %s" % (lang, len(rs), cell[0], cell[1]))
    print("\nremaining conflicts by first cause (old -> new):")
    for lang in langs:
        rs = [r for r in rows if r["language"] == lang]
        c = {tag: collections.Counter(r[tag][2] for r in rs if not r[tag][0]) for tag in ("old", "new")}
        keys = sorted(set(c["old"]) | set(c["new"]), key=lambda k: -c["old"][k])
        print("  %-9s %s" % (lang, ", ".join("%s %d -> %d" % (k, c["old"][k], c["new"][k]) for k in keys)))
    print("\nchanged outcomes:")
    for r in rows:
        if r["old"][:2] != r["new"][:2]:
            def say(o):
                return "conflict" if not o[0] else ("clean =truth" if o[1] else "clean differs")
            print("  %s %s @%s %s: %s -> %s" % (r["language"], r["repo"], r["commit"][:10], r["path"],
                                                say(r["old"]), say(r["new"])))
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
