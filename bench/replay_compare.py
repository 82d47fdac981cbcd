#!/usr/bin/env python3
"""bench/replay_compare.py - what changed between two dk builds on the same replays.

    bench/replay_compare.py OLD_DIR NEW_DIR [--lang NAME]...

OLD_DIR and NEW_DIR hold raw `dk replay --json` outputs, one <name>.json per
repository (bench/replay_corpus.py --save DIR writes them), made by two dk
builds over the same merges. Scenarios (merge commit, path) present in both
are compared; every one whose outcome changed is listed with dk's note, then
the changes are counted by kind, per language:

  outcome = clean | conflict, "=truth" when dk equals the merge commit's file,
            "!=git" when git and dk are both clean and differ

"conflict -> clean" where git conflicted is a new win; "clean -> conflict"
where git was clean a new regression; anything "-> clean!=git" a new clean
result different from git's: a false merge unless dk is the one equal to the
truth. Those are the lines to review before landing a merge change.

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import sys


def outcome(s):
    if not s["dk_clean"]:
        return "conflict"
    o = "clean"
    if s["dk_equal_truth"]:
        o += "=truth"
    if s["git_clean"] and not s["dk_equal_git"]:
        o += "!=git"
    return o


def load(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        if fn.endswith(".json"):
            with open(os.path.join(d, fn)) as f:
                out[fn[:-5]] = json.load(f)
    return out


def main():
    ap = argparse.ArgumentParser(description="outcome changes between two saved dk replays")
    ap.add_argument("old_dir")
    ap.add_argument("new_dir")
    ap.add_argument("--lang", action="append", help="only this language (repeatable)")
    args = ap.parse_args()
    old, new = load(args.old_dir), load(args.new_dir)
    kinds = collections.Counter()
    compared = collections.Counter()
    for name in sorted(set(old) & set(new)):
        before = {(s["commit"], s["path"]): s for s in old[name]["scenarios"]}
        for s in new[name]["scenarios"]:
            o = before.get((s["commit"], s["path"]))
            if o is None or (args.lang and s["language"] not in args.lang):
                continue
            compared[s["language"]] += 1
            a, b = outcome(o), outcome(s)
            if a == b:
                continue
            kind = "%s git %s: %s -> %s" % (s["language"], "clean" if s["git_clean"] else "conflict", a, b)
            kinds[kind] += 1
            print("%s %s %s: %s -> %s  %s" % (name, s["commit"][:10], s["path"], a, b, (s.get("note") or "")[:100]))
    print()
    print("scenarios compared: %s" % ", ".join("%s %d" % kv for kv in sorted(compared.items())))
    for k, n in sorted(kinds.items()):
        print("%5d  %s" % (n, k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
