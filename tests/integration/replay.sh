#!/bin/sh
# tests/integration/replay.sh - drive the real `dk replay` binary on a small
# repository built with the git CLI: one Python merge git conflicts on and
# dk merges (edits to two adjacent functions), one Python merge where both
# branches changed the same line (a conflict for both), one clean text merge.
# Checks the table, the --json numbers, --lang, --merges, --since, and the
# errors for bad input (exit 1) and bad usage (exit 2).
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp" GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com \
    GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
repo=$tmp/repo
git init -q -b main "$repo"
g() { git -C "$repo" "$@"; }
# distinct commit times keep the newest-first order deterministic
tick=1700000000
commit() { tick=$((tick + 60)); GIT_AUTHOR_DATE="@$tick" GIT_COMMITTER_DATE="@$tick" g commit -q "$@"; }

cat > "$repo/app.py" <<'EOF'
import os


def greet(name):
    message = "hello " + name
    return message
def shout(name):
    return greet(name).upper()


def whisper(name):
    return greet(name).lower()
EOF
printf 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n' > "$repo/notes.txt"
g add app.py notes.txt
commit -m base

# merge 1: adjacent functions; git sees one overlapping hunk, dk two symbols
g checkout -q -b adjacent
sed -i 's/return message$/return message + "!"/' "$repo/app.py"
commit -am "greet shouts"
g checkout -q main
sed -i 's/def shout(name):/def shout(name, times=1):/; s/upper()$/upper() * times/' "$repo/app.py"
commit -am "shout repeats"
tick=$((tick + 60))
GIT_AUTHOR_DATE="@$tick" GIT_COMMITTER_DATE="@$tick" g merge -q adjacent -m "merge adjacent" \
    >/dev/null 2>&1 && fail "git merged the adjacent edits cleanly; the fixture needs a conflict"
# the resolution: both edits, as the author would write it
cat > "$repo/app.py" <<'EOF'
import os


def greet(name):
    message = "hello " + name
    return message + "!"
def shout(name, times=1):
    return greet(name).upper() * times


def whisper(name):
    return greet(name).lower()
EOF
g add app.py
commit -m "merge adjacent"
first_merge=$(g rev-parse HEAD)

# merge 2: the same line on both sides; resolved by hand to theirs
g checkout -q -b fold
sed -i 's/lower()/casefold()/' "$repo/app.py"
commit -am casefold
g checkout -q main
sed -i 's/lower()/swapcase()/' "$repo/app.py"
commit -am swapcase
g merge -q fold -m "merge fold" >/dev/null 2>&1 && fail "same-line edits merged cleanly"
g checkout -q --theirs app.py
g add app.py
commit -m "merge fold"

# merge 3: a text file edited far apart on both sides: clean for both
g checkout -q -b words
sed -i 's/^one$/ONE/' "$repo/notes.txt"
commit -am one
g checkout -q main
sed -i 's/^eight$/EIGHT/' "$repo/notes.txt"
commit -am eight
g merge -q --no-edit words >/dev/null 2>&1 || fail "text merge conflicted"

# ---- the table ----------------------------------------------------------
"$DK" replay "$repo" > "$tmp/table" || fail "replay exited $?"
cat "$tmp/table"
grep -q "3 merges replayed" "$tmp/table" || fail "merge count"
#                language  scen gitc dkc wins regr dk=t dk!=t git=t err
grep -Eq '^python +2 +2 +1 +1 +0 +1 +0 +0 +0 ' "$tmp/table" || fail "python row"
grep -Eq '^other +1 +0 +0 +0 +0 +1 +0 +1 +0 ' "$tmp/table" || fail "other row"
grep -Eq '^TOTAL +3 +2 +1 +1 +0 +2 +0 +1 +0 ' "$tmp/table" || fail "total row"
if grep -q "for review" "$tmp/table"; then fail "review list should be empty"; fi

# ---- JSON ---------------------------------------------------------------
"$DK" replay --json "$repo" > "$tmp/out.json" || fail "replay --json exited $?"
python3 - "$tmp/out.json" "$first_merge" <<'PY' || fail "json numbers"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["total"]
assert d["merges"] == 3, d["merges"]
assert (t["scenarios"], t["wins"], t["regressions"], t["errors"]) == (3, 1, 0, 0), t
assert (t["git_conflicts"], t["dk_conflicts"]) == (2, 1), t
assert (t["dk_clean_equal_truth"], t["dk_clean_differs"], t["git_clean_equal_truth"]) == (2, 0, 1), t
assert t["dk_p50_ms"] is not None and t["dk_p95_ms"] >= t["dk_p50_ms"], t
langs = {r["language"]: r for r in d["languages"]}
assert set(langs) == {"python", "other"} and langs["python"]["wins"] == 1, langs
win = [s for s in d["scenarios"] if not s["git_clean"] and s["dk_clean"]]
assert len(win) == 1, win
w = win[0]
assert w["commit"] == sys.argv[2] and w["path"] == "app.py" and w["language"] == "python", w
assert w["dk_equal_truth"] and w["method"] == "structured" and w["ms"] >= 0, w
# newest first: the text merge, then the same-line one, then the win
assert [s["path"] for s in d["scenarios"]] == ["notes.txt", "app.py", "app.py"], d["scenarios"]
PY

# ---- filters and limits -------------------------------------------------
"$DK" replay --lang python --json "$repo" > "$tmp/py.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["total"]; assert t["scenarios"]==2 and d["skipped_files"]["filtered"]==1, d' "$tmp/py.json" || fail "--lang"
"$DK" replay --merges 1 "$repo" | grep -q "1 merges replayed" || fail "--merges 1"
"$DK" replay --since "$first_merge" --json "$repo" > "$tmp/since.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["merges"]==1 and d["total"]["wins"]==1, d' "$tmp/since.json" || fail "--since"

# ---- no merges: an empty table, exit 0 ----------------------------------
git init -q -b main "$tmp/flat"
printf 'x\n' > "$tmp/flat/x.txt"
git -C "$tmp/flat" add x.txt
git -C "$tmp/flat" commit -qm one
"$DK" replay "$tmp/flat" > "$tmp/flat.out" || fail "no merges: exit $?"
grep -q "0 merges replayed" "$tmp/flat.out" || fail "no merges: header"
grep -Eq '^TOTAL +0 .* - +-$' "$tmp/flat.out" || fail "no merges: total row"
git init -q -b main "$tmp/empty"
"$DK" replay --json "$tmp/empty" > "$tmp/empty.json" || fail "unborn HEAD: exit $?"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["merges"]==0 and d["scenarios"]==[] and d["total"]["dk_p50_ms"] is None' "$tmp/empty.json" || fail "unborn HEAD json"

# ---- bad input: exit 1 with a message; bad usage: exit 2 ----------------
set +e
"$DK" replay "$tmp/nowhere" > "$tmp/stdout" 2> "$tmp/stderr"; rc=$?
[ $rc -eq 1 ] || fail "not a repository: exit $rc"
grep -q "not a git repository" "$tmp/stderr" || fail "not a repository: $(cat "$tmp/stderr")"
[ ! -s "$tmp/stdout" ] || fail "not a repository: printed output"
"$DK" replay --since no-such-rev "$repo" >/dev/null 2> "$tmp/stderr"; rc=$?
[ $rc -eq 1 ] || fail "bad --since: exit $rc"
grep -q "cannot resolve 'no-such-rev'" "$tmp/stderr" || fail "bad --since: $(cat "$tmp/stderr")"
for args in "" "--bogus $repo" "--merges 0 $repo" "--merges x $repo" "--merges" \
    "--lang cobol $repo" "$repo $repo" "--since"; do
    # shellcheck disable=SC2086
    "$DK" replay $args >/dev/null 2> "$tmp/stderr"; rc=$?
    [ $rc -eq 2 ] || fail "'replay $args': exit $rc, expected 2"
    [ -s "$tmp/stderr" ] || fail "'replay $args': no message"
done
"$DK" replay --help | grep -q "usage: dk replay" || fail "--help"
exit 0
