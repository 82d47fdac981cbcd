#!/usr/bin/env python3
"""tests/integration/lib/crash_store.py - the history and store checks of
tests/integration/crash_restart.sh, after the server was killed and restarted.

    crash_store.py --git-dir G --imported SHA --result RESULT.json --store URL

History: the branch is linear from the imported commit; each commit after it
introduces exactly one agent tag (one landing, no empty commit); every
acknowledged landing's commit is on the branch and introduced its own tag;
every tag is in the head exactly once. Store (SQLite via python's sqlite3,
PostgreSQL via psql): every commit after the import is the merged_commit of
exactly one merged changeset and every merged changeset's commit is on the
branch; no changeset is left verifying; no claim or overlay row is left (all
work landed), and a read mark only where the driver read after the session's
last landing (RESULT.json "reads": an agent whose last landing's answer was
lost reads its file to find out, a look the session keeps); every active session's changeset is a draft based on a
commit of the branch; event ids are dense; SQLite's integrity_check and
foreign_key_check pass. Exit 1 with "not ok - ..." on the first failure.
"""
import argparse
import json
import re
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--git-dir", required=True)
ap.add_argument("--imported", required=True)
ap.add_argument("--result", required=True)
ap.add_argument("--store", required=True)
args = ap.parse_args()
res = json.load(open(args.result))


def check(cond, what):
    if not cond:
        print("not ok - " + what, flush=True)
        sys.exit(1)


def git(*a):
    return subprocess.run(["git", "--git-dir", args.git_dir] + list(a), check=True, capture_output=True,
                          text=True).stdout


# ---- history -------------------------------------------------------------------------
head = git("rev-parse", "refs/heads/main").strip()
revs = [r.split() for r in git("rev-list", "--reverse", "--parents", "%s..%s" % (args.imported, head)).splitlines()]
check(all(len(r) == 2 for r in revs), "linear history (merge commits: %s)" % [r for r in revs if len(r) != 2])
check(not revs or revs[0][1] == args.imported, "the first landing's parent is the imported commit")
for a, b in zip(revs, revs[1:]):
    check(b[1] == a[0], "the history is one chain")
chain = [r[0] for r in revs]
tag_re = re.compile(r"crash-(?:a\d\d-r\d|fresh)")
introduced = {}
for c in chain:
    diff = git("diff", c + "^", c)
    added = [m for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
             for m in tag_re.findall(line)]
    removed = [m for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
               for m in tag_re.findall(line)]
    check(len(added) == 1 and not removed,
          "commit %s introduces exactly one change (added %s, removed %s): one commit per landing"
          % (c[:12], added, removed))
    check(added[0] not in introduced, "tag %s introduced twice (%s, %s)" % (added[0], introduced.get(added[0]), c))
    introduced[added[0]] = c
print("ok - linear history: %d commits, each introducing one change" % len(chain))
for a in res["acked"]:
    check(a["commit"] in chain, "acknowledged landing %s (%s) is on the branch" % (a["tag"], a["commit"]))
    check(introduced.get(a["tag"]) == a["commit"],
          "acknowledged landing %s: its commit %s introduced it (introduced by %s)"
          % (a["tag"], a["commit"][:12], (introduced.get(a["tag"]) or "none")[:12]))
text = "".join(git("show", "%s:pkg/%s.py" % (head, f)) for f in "abc")
for t in res["tags"]:
    check(text.count(t) == 1, "change %s is in the head exactly once (%d)" % (t, text.count(t)))
print("ok - %d acknowledged landings on the branch, each the commit that introduced its change; "
      "all %d changes in the head once" % (len(res["acked"]), len(res["tags"])))


# ---- store ---------------------------------------------------------------------------
if args.store.startswith("sqlite:"):
    db = sqlite3.connect(args.store[len("sqlite:"):])

    def q(sql):
        return [tuple(None if v is None else str(v) for v in row) for row in db.execute(sql).fetchall()]

    check(q("PRAGMA integrity_check") == [("ok",)], "sqlite integrity_check")
    check(q("PRAGMA foreign_key_check") == [], "sqlite foreign_key_check")
else:
    def q(sql):
        out = subprocess.run(["psql", "-qAtX", "-F", "\t", args.store, "-c", sql], check=True, capture_output=True,
                             text=True).stdout
        return [tuple(None if v == "" else v for v in line.split("\t")) for line in out.splitlines()]

merged = q("SELECT id, merged_commit FROM changesets WHERE state = 'merged'")
by_commit = {}
for cs, commit in merged:
    check(commit is not None and commit in chain,
          "merged changeset %s: its commit %s is on the branch" % (cs, commit))
    by_commit.setdefault(commit, []).append(cs)
for c in chain:
    check(len(by_commit.get(c, [])) == 1,
          "commit %s is the merged_commit of exactly one changeset (%s)" % (c[:12], by_commit.get(c, [])))
print("ok - the store and the branch agree: %d commits, %d merged changesets" % (len(chain), len(merged)))
check(q("SELECT id FROM changesets WHERE state = 'verifying'") == [], "no changeset left verifying")
for table in ("claims", "overlay"):
    rows = q("SELECT session_id FROM %s" % table)
    check(rows == [], "no %s row left once all work landed (%s)" % (table, rows[:5]))
reads = {(sid, path) for sid, path in res["reads"]}
marks = q("SELECT session_id, path FROM read_marks")
check(all((sid, path) in reads for sid, path in marks),
      "no read_marks row left once all work landed, but for reads after a landing (%s; reads %s)"
      % ([m for m in marks if (m[0], m[1]) not in reads][:5], sorted(reads)[:5]))
active = q("SELECT s.id, s.base_commit, c.state FROM sessions s LEFT JOIN changesets c ON c.id = s.changeset_id "
           "WHERE s.state = 'active'")
for sid, base, state in active:
    check(state == "draft", "active session %s: its changeset is a draft (%s)" % (sid, state))
    check(base in chain or base == args.imported, "active session %s: its base %s is on the branch" % (sid, base))
ev = q("SELECT COUNT(*), MIN(id), MAX(id) FROM events")
n, lo, hi = (int(x) for x in ev[0])
check(n == hi - lo + 1, "event ids are dense (%d events, %d..%d)" % (n, lo, hi))
seq = q("SELECT event_seq, changeset_seq FROM repos")
check(int(seq[0][0]) == hi, "repos.event_seq is the last event id (%s, %d)" % (seq[0][0], hi))
print("ok - store invariants: no changeset verifying, no claim/overlay row left, %d read marks all "
      "from reads after a landing, " % len(marks) +
      "%d active sessions on drafts, events dense" % len(active))
