#!/bin/sh
# tests/integration/merge_driver.sh - dk merge-file as a real git merge
# driver: two branches edit different functions of one file (git alone
# conflicts; with dk the merge is clean and has both edits), then a real
# clash (same line) leaves markers and a non-zero exit; checked with fsck.
# Also the git merge-file command-line contract: -p, -L, exit codes.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$tmp"
git init -q -b main repo
cd repo
git config user.email t@example.com
git config user.name t
git config merge.dk.name "dk structured merge"
git config merge.dk.driver "$DK merge-file --marker-size %L --path %P -L ours -L base -L theirs %A %O %B"
echo '*.py merge=dk' > .gitattributes
cat > app.py <<'PY'
import os


def load(path):
    with open(path) as f:
        return f.read()


def save(path, data):
    with open(path, "w") as f:
        f.write(data)
PY
git add . && git commit -qm base
git checkout -qb feature
sed -i 's/return f.read()/return f.read().strip()/' app.py
printf '\n\ndef remove(path):\n    os.remove(path)\n' >> app.py
git commit -qam "feature: strip, remove()"
git checkout -q main
sed -i 's/f.write(data)/f.write(data + "\\n")/' app.py
printf '\n\ndef exists(path):\n    return os.path.exists(path)\n' >> app.py
git commit -qam "main: newline, exists()"

# plain git merge-file conflicts on these versions (both appended at the end)
git show main~1:app.py > "$tmp/b.py"; git show main:app.py > "$tmp/o.py"; git show feature:app.py > "$tmp/t.py"
if git merge-file -p "$tmp/o.py" "$tmp/b.py" "$tmp/t.py" >/dev/null; then fail "git merged it cleanly: test is moot"; fi

git merge -q --no-edit feature || fail "dk driver merge failed"
grep -q 'return f.read().strip()' app.py || fail "feature edit missing"
grep -q 'f.write(data + "\\n")' app.py || fail "main edit missing"
grep -q '^def remove' app.py || fail "feature function missing"
grep -q '^def exists' app.py || fail "main function missing"
[ "$(grep -c '^def ' app.py)" = 4 ] || fail "functions duplicated or lost"
! grep -q '<<<<<<<' app.py || fail "markers in a clean merge"
git fsck --strict >/dev/null 2>&1 || fail "fsck"

# a real clash: both change the same line of load()
git checkout -qb left
sed -i 's/return f.read().strip()/return f.read().lower()/' app.py
git commit -qam left
git checkout -q main
sed -i 's/return f.read().strip()/return f.read().upper()/' app.py
git commit -qam right
if git merge -q --no-edit left >/dev/null 2>&1; then fail "clash merged cleanly"; fi
grep -q '^<<<<<<< ours' app.py || fail "no conflict markers"
grep -q '^>>>>>>> theirs' app.py || fail "no closing marker"
git merge --abort

# the README's driver line with conflict-marker-size=100 (git's %L): the conflict
# must reach the working file with both sides, never ours alone
git checkout -qb wide
sed -i 's/return f.read().upper()/return f.read().title()/' app.py
git commit -qam wide
git checkout -q main
printf '*.py merge=dk conflict-marker-size=100\n' > .gitattributes
sed -i 's/return f.read().upper()/return f.read().casefold()/' app.py
git commit -qam "wide markers"
if git merge -q --no-edit wide >/dev/null 2>&1; then fail "wide clash merged cleanly"; fi
m100=$(printf '%0100d' 0 | tr 0 '<')
grep -q "^$m100 ours\$" app.py || fail "no 100-wide conflict marker (marker-size 100 lost the conflict)"
grep -q 'f.read().title()' app.py || fail "theirs' side lost with marker-size 100"
grep -q 'f.read().casefold()' app.py || fail "ours' side lost with marker-size 100"
git merge --abort

# git merge-file contract: -p prints, exit status counts conflicts, CURRENT untouched with -p
cd "$tmp"
printf 'a\nb\nc\n' > base.txt
printf 'a\nB1\nc\n' > cur.txt
printf 'a\nB2\nc\n' > other.txt
set +e
"$DK" merge-file -p cur.txt base.txt other.txt > out.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "conflict exit status $rc"
grep -q '^<<<<<<< cur.txt' out.txt || fail "default label is the file name"
[ "$(cat cur.txt)" = "$(printf 'a\nB1\nc')" ] || fail "-p modified CURRENT"
"$DK" merge-file -q -L mine -L orig -L yours cur.txt base.txt other.txt && fail "expected conflicts"
grep -q '^<<<<<<< mine' cur.txt || fail "-L label"
printf 'a\nb\nc\nd\n' > other2.txt
printf 'a\nb\nc\n' > cur2.txt
"$DK" merge-file cur2.txt base.txt other2.txt || fail "clean merge exit"
[ "$(tail -1 cur2.txt)" = d ] || fail "clean merge written"
set +e
"$DK" merge-file only two >/dev/null 2>&1; [ $? -eq 129 ] || fail "usage exit (git's 129)"
"$DK" merge-file cur.txt missing.txt other.txt >/dev/null 2>&1; [ $? -eq 255 ] || fail "missing file exit"
set -e
echo "merge_driver: ok"
