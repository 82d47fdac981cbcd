#!/bin/sh
# tests/integration/crash_restart.sh - `dk serve` killed with SIGKILL in the
# middle of landings, several times, and restarted on the same data, while ten
# agents land changes over the HTTP API; on SQLite (with a verification
# pipeline) and then on PostgreSQL + Redis when scripts/test-services gives them.
#
# The driver (tests/integration/lib/crash_agents.py) runs the agents on threads:
# each lands three changes (its own functions of three shared Python files),
# connect / read / write / submit / (verify) / land, and after an unanswered
# request finds out from the server what happened, as an agent would (status,
# its file through the session), then goes on. A killer kills the server at a
# random moment while a landing is in flight (seeded; the seed is printed),
# restarts it on the same data and the same port, five times. Then: a new
# landing succeeds; every session ever created answers status with 200 or 404
# SESSION_NOT_FOUND, never a 5xx; no answer anywhere was a 5xx; the last server
# stops cleanly with no sanitizer report. Then, on the server's repository:
# `git fsck --strict`; the branch is linear; each commit after the import is one
# landing and introduces exactly one agent change; every acknowledged landing's
# commit is on the branch and is the one that introduced its change; every
# change is in the head exactly once. And the store (tests/integration/lib/
# crash_store.py): every commit on the branch is the merged_commit of exactly
# one merged changeset and every merged changeset's commit is on the branch; no
# changeset left verifying; no claim, overlay row or read mark left with work
# landed; every active session's changeset is a draft on the head; event ids are
# dense; SQLite's integrity and foreign-key checks pass.
# Order comes from polling with bounded retries; the kills are the only randomness.
# CRASH_SEED=N replays the kill moments of a run; CRASH_KILLS=N kills N times
# instead of five (to hunt a rare failure).
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
cd "${DK_SRCDIR:-.}"
. tests/integration/lib/pg_db.sh
LIB=$(pwd)/tests/integration/lib
tmp=$(mktemp -d)
cleanup() {
    pg_db_done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ---- the repository -------------------------------------------------------------
git init -q -b main "$tmp/src"
python3 - "$tmp/src" <<'PY'
import os, subprocess, sys
src = sys.argv[1]
os.makedirs(os.path.join(src, "pkg"))
for f in "abc":
    text = '"""Module %s."""\n' % f
    for i in range(40):
        text += '\n\ndef %s_%02d(x):\n    y = x * %d\n    return y + %d\n' % (f, i, i + 1, i)
    open(os.path.join(src, "pkg", "%s.py" % f), "w").write(text)
open(os.path.join(src, "README.md"), "w").write("# generated\n")
subprocess.run(["git", "-C", src, "add", "-A"], check=True)
subprocess.run(["git", "-C", src, "-c", "user.name=t", "-c", "user.email=t@example.com",
                "commit", "-qm", "three modules"], check=True)
PY
git clone -q "$tmp/src" "$tmp/src-pipe"
mkdir -p "$tmp/src-pipe/.dk"
printf '%s\n' 'pipeline:' '  allowed_commands: ["python3 -m py_compile"]' 'stages:' '  - name: check' \
    '    steps:' '      - name: compile' '        run: python3 -m py_compile pkg/a.py pkg/b.py pkg/c.py' \
    > "$tmp/src-pipe/.dk/pipeline.yaml"
git -C "$tmp/src-pipe" add .dk && git -C "$tmp/src-pipe" -c user.name=t -c user.email=t@example.com commit -qm pipeline

# run LABEL SRC PIPELINE(0|1) DATA [STORE [CACHE]]
run() {
    label=$1; src=$2; pipe=$3; data=$4; store=${5:-}; cache=${6:-}
    t0=$(date +%s%N)
    echo "== $label"
    imported=$(git -C "$src" rev-parse HEAD)
    "$DK" repo import shop "$src" --data "$data" ${store:+--store "$store"} > /dev/null || fail "$label: dk repo import"
    set -- --data "$data"
    [ -z "$store" ] || set -- "$@" --store "$store"
    [ -z "$cache" ] || set -- "$@" --cache "$cache"
    timeout 600 python3 "$LIB/crash_agents.py" --dk "$DK" --repo shop --pipeline "$pipe" \
        --out "$tmp/result.json" --logs "$tmp/logs-$pipe" ${CRASH_SEED:+--seed "$CRASH_SEED"} ${CRASH_KILLS:+--kills "$CRASH_KILLS"} -- "$@" ||
        fail "$label: the agents and the restarts"
    gitdir=$data/repos/shop.git
    [ -d "$gitdir" ] || fail "$label: no repository at $gitdir"
    git --git-dir="$gitdir" fsck --strict --no-dangling > "$tmp/fsck" 2>&1 || { cat "$tmp/fsck"; fail "$label: git fsck --strict"; }
    echo "ok - git fsck --strict"
    python3 "$LIB/crash_store.py" --git-dir "$gitdir" --imported "$imported" --result "$tmp/result.json" \
        --store "${store:-sqlite:$data/dk.db}" || fail "$label: the history and the store"
    echo "   $label: $((($(date +%s%N) - t0) / 1000000)) ms"
}

run "sqlite, verification pipeline" "$tmp/src-pipe" 1 "$tmp/data"

pg_db crash_$$
run "postgresql + redis, no pipeline" "$tmp/src" 0 "$tmp/data-pg" "$PGDB" "$DK_TEST_REDIS_URL"
pg_db_done
echo "crash_restart: ok"
