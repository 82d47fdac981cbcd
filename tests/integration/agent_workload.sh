#!/bin/sh
# tests/integration/agent_workload.sh - run bench/agent_workload.py on a tiny
# repository built in a temporary directory: a Python and a C file whose
# declarations are in name order, so every landing order dk has had (sorted,
# or ours-first) must give the real file back. Checks: every scenario exact
# for dk and git conflicting on all of them; that the generator sees a wrong
# merge (with a fake dk whose merge-file keeps "ours" and drops "theirs",
# nothing may be exact); the same JSON for the same seed; --limit and --lang.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
case $DK in /*) ;; *) DK=$(pwd)/$DK ;; esac
GEN=$(cd "$(dirname "$0")/../.." && pwd)/bench/agent_workload.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp" GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com \
    GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
repo=$tmp/repo
git init -q "$repo"
cat > "$repo/mod.py" <<'EOF'
import os


def alpha():
    return 1


def beta():
    return 2


def gamma():
    return 3


def tail():
    return 4
EOF
cat > "$repo/lib.c" <<'EOF'
#include <stdio.h>

static int a_count;

int add_one(int x)
{
    return x + 1;
}

int bump(void)
{
    return ++a_count;
}

void print_count(void)
{
    printf("%d\n", a_count);
}
EOF
git -C "$repo" add mod.py lib.c
git -C "$repo" commit -q -m base

# mod.py: 6 runs (alpha..tail: 3 of 2, 2 of 3, 1 of 4); lib.c: a_count, add_one,
# bump, print_count give 6 more.
python3 "$GEN" --dk "$DK" --per-file 100 --json "$repo" > "$tmp/a.json" || fail "generator exit $?"
python3 - "$tmp/a.json" <<'EOF' || fail "unexpected counts"
import json, sys
j = json.load(open(sys.argv[1]))
t = j["summary"][-1]
assert t["language"] == "TOTAL", t
langs = {r["language"]: r for r in j["summary"][:-1]}
assert set(langs) == {"python", "c"}, langs.keys()
assert langs["python"]["scenarios"] == 6, langs["python"]
assert langs["c"]["scenarios"] == 6, langs["c"]
bad = [(s["path"], s["decls"], s["dk"], s.get("dk_cause")) for s in j["scenarios"] if s["dk"] != "exact"]
assert not bad, bad
assert t["dk_exact"] == 12, t
assert t["git_conflict"] == 12, t
EOF
# a dk whose merge drops theirs: the generator must report no exact landing
cat > "$tmp/fakedk" <<EOF
#!/bin/sh
# merge-file -p --json --path P OURS BASE THEIRS -> merge OURS with itself
if [ "\$1" = merge-file ]; then
    shift; while [ \$# -gt 3 ]; do shift; done
    exec "$DK" merge-file -p --json "\$1" "\$1" "\$1"
fi
exec "$DK" "\$@"
EOF
chmod +x "$tmp/fakedk"
python3 "$GEN" --dk "$tmp/fakedk" --per-file 100 --json "$repo" > "$tmp/f.json"
python3 - "$tmp/f.json" <<'EOF' || fail "a merge that drops theirs was not caught"
import json, sys
t = json.load(open(sys.argv[1]))["summary"][-1]
assert t["scenarios"] == 12 and t["dk_exact"] == 0 and t["dk_differ"] == 12, t
EOF
# sampling is deterministic for a seed, and the seed matters
python3 "$GEN" --dk "$tmp/fakedk" --per-file 100 --json "$repo" > "$tmp/g.json"
cmp -s "$tmp/f.json" "$tmp/g.json" || fail "two runs with the same seed differ"
python3 "$GEN" --dk "$tmp/fakedk" --per-file 2 --limit 2 --lang python "$repo" > "$tmp/t.txt"
grep -q '^python  *2 ' "$tmp/t.txt" || { cat "$tmp/t.txt"; fail "--limit 2 --lang python"; }
grep -q '^c ' "$tmp/t.txt" && fail "--lang python kept c"

# usage errors
if python3 "$GEN" --dk "$DK" --limit 0 "$repo" 2>/dev/null; then fail "--limit 0 accepted"; fi
if python3 "$GEN" --dk "$DK" "$tmp/nope" 2>/dev/null; then fail "a missing repository accepted"; fi
echo ok
