#!/bin/sh
# tests/integration/merge_file_write.sh - how dk merge-file writes, next to
# git merge-file on the same files: CURRENT is written through its path as
# git writes it (a symlink stays a symlink and its target gets the merge,
# hard links stay one file, a device stays a device, mode and owner kept, a
# file we may not write fails with git's message and exit 255, a
# non-writable directory is no obstacle), and a full disk on stdout is an
# error (255 with git's message), for merge-file -p, --json and dk symbols.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || { chmod -R u+w "$tmp"; rm -rf "$tmp"; }' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp"

mkdir in
cat > in/b.py <<'PY'
def f():
    return 1


def g():
    return 2
PY
sed 's/return 1/return 10/' in/b.py > in/o.py
sed 's/return 2/return 20/' in/b.py > in/t.py
# precondition: the merge changes ours (else "was it written?" checks nothing)
git merge-file -p in/o.py in/b.py in/t.py > expect.py || fail "git conflicts: test is moot"
cmp -s expect.py in/o.py && fail "merge equals ours: test is moot"

# run TOOL CURRENT in directory DIR (a copy of in/ prepared by the caller)
run() {
    tool=$1 dir=$2 cur=$3
    set +e
    if [ "$tool" = git ]; then
        (cd "$dir" && git merge-file "$cur" b.py t.py) >"$dir.out" 2>"$dir.err"
    else
        (cd "$dir" && "$DK" merge-file "$cur" b.py t.py) >"$dir.out" 2>"$dir.err"
    fi
    echo $? >"$dir.rc"
    set -e
}
fresh() {
    rm -rf "$1"
    cp -pR in "$1"
}

# 1. a symlink stays a symlink; its target gets the merge
for tool in git dk; do
    fresh $tool
    cp in/o.py $tool/target.py
    ln -s target.py $tool/link.py
    run $tool $tool link.py
    [ "$(cat $tool.rc)" = 0 ] || fail "$tool: symlink merge exit $(cat $tool.rc)"
    [ -L $tool/link.py ] || fail "$tool: the symlink was replaced by a file"
    cmp -s $tool/target.py expect.py || fail "$tool: the symlink's target did not get the merge"
done

# 2. hard links stay one file
for tool in git dk; do
    fresh $tool
    cp in/o.py $tool/h1.py
    ln $tool/h1.py $tool/h2.py
    run $tool $tool h1.py
    cmp -s $tool/h2.py expect.py || fail "$tool: the hard link did not get the merge"
    [ "$(stat -c %h $tool/h1.py)" = 2 ] || fail "$tool: the hard link was split"
done

# 3. mode kept (also the atomic path), and a non-writable directory is no obstacle
for tool in git dk; do
    fresh $tool
    chmod 751 $tool/o.py
    chmod 555 $tool
    run $tool $tool o.py
    chmod 755 $tool
    [ "$(cat $tool.rc)" = 0 ] || fail "$tool: merge in a read-only directory: exit $(cat $tool.rc)"
    [ "$(stat -c %a $tool/o.py)" = 751 ] || fail "$tool: mode now $(stat -c %a $tool/o.py)"
    cmp -s $tool/o.py expect.py || fail "$tool: merge not written"
done

# 4. a file we may not write: as git, "Could not open ... for writing", 255, unchanged
#    (as root, the file belongs to nobody and nobody runs the merge; root may write anything)
for tool in git dk; do
    fresh $tool
    chmod 444 $tool/o.py
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || fail "setpriv missing: cannot test as another user"
        chmod 755 "$tmp"
        chmod 777 $tool
        chmod 644 $tool/b.py $tool/t.py
        set +e
        if [ $tool = git ]; then
            (cd $tool && setpriv --reuid=65534 --regid=65534 --clear-groups git merge-file o.py b.py t.py) >$tool.out 2>$tool.err
        else
            (cd $tool && setpriv --reuid=65534 --regid=65534 --clear-groups "$DK" merge-file o.py b.py t.py) >$tool.out 2>$tool.err
        fi
        echo $? >$tool.rc
        set -e
    else
        run $tool $tool o.py
    fi
    [ "$(cat $tool.rc)" = 255 ] || fail "$tool: read-only CURRENT: exit $(cat $tool.rc)"
    grep -q '^error: Could not open o.py for writing' $tool.err || fail "$tool: message $(cat $tool.err)"
    cmp -s $tool/o.py in/o.py || fail "$tool: read-only CURRENT changed"
    [ "$(stat -c %U $tool/o.py)" = "$(stat -c %U in/o.py)" ] || fail "$tool: owner changed"
done

# 5. owner kept: as root, a file owned by nobody stays nobody's
if [ "$(id -u)" = 0 ]; then
    for tool in git dk; do
        fresh $tool
        chown 65534:65534 $tool/o.py
        run $tool $tool o.py
        [ "$(stat -c %u:%g $tool/o.py)" = 65534:65534 ] || fail "$tool: owner now $(stat -c %u:%g $tool/o.py)"
        cmp -s $tool/o.py expect.py || fail "$tool: merge not written"
    done
    # 6. a device stays a device (a private one, never the system's /dev/null)
    fresh dk
    mknod dk/null c 1 3 || fail "mknod failed as root"
    run dk dk null
    [ -c dk/null ] || fail "dk replaced a character device with a file"
else
    echo "not root: owner and device cases skipped"
fi

# 7. a full disk on stdout: 255 and git's message, for -p, --json and dk symbols
[ -w /dev/full ] || fail "/dev/full missing: cannot test write errors"
set +e
(cd in && git merge-file -p o.py b.py t.py >/dev/full 2>../git.err)
grc=$?
(cd in && "$DK" merge-file -p o.py b.py t.py >/dev/full 2>../dk.err)
drc=$?
(cd in && "$DK" merge-file -p --json o.py b.py t.py >/dev/full 2>/dev/null)
jrc=$?
"$DK" symbols in/b.py >/dev/full 2>/dev/null
src=$?
"$DK" symbols --json in/b.py >/dev/full 2>/dev/null
sjrc=$?
"$DK" languages >/dev/full 2>/dev/null
lrc=$?
set -e
[ $grc = 255 ] || fail "git merge-file -p >/dev/full exits $grc: precondition"
[ $drc = 255 ] || fail "dk merge-file -p >/dev/full exits $drc"
cmp -s git.err dk.err || fail "dk's message '$(cat dk.err)', git's '$(cat git.err)'"
[ $jrc = 255 ] || fail "dk merge-file --json >/dev/full exits $jrc"
[ $src = 255 ] || fail "dk symbols >/dev/full exits $src"
[ $sjrc = 255 ] || fail "dk symbols --json >/dev/full exits $sjrc"
[ $lrc = 255 ] || fail "dk languages >/dev/full exits $lrc"

# 8. closed stdin, stdout and stderr are /dev/null, as for git: not an error, and
#    no file dk opens takes their numbers (the merge lands in CURRENT, nothing else)
set +e
(cd in && git merge-file -p o.py b.py t.py >&-)
grc=$?
(cd in && "$DK" merge-file -p o.py b.py t.py >&-)
drc=$?
set -e
[ $grc = 0 ] && [ $drc = 0 ] || fail "merge-file -p with stdout closed: exit $drc, git $grc"
for tool in git dk; do
    fresh $tool
    set +e
    if [ $tool = git ]; then
        (cd $tool && git merge-file o.py b.py t.py <&- >&- 2>&-)
    else
        (cd $tool && "$DK" merge-file --json o.py b.py t.py <&- >&- 2>&-)
    fi
    set -e
    cmp -s $tool/o.py expect.py || fail "$tool: with the standard streams closed, CURRENT is not the merge"
done

# 9. binary input: refused as git refuses it, CURRENT untouched
printf 'x\0y\n' > in/bin.py
for tool in git dk; do
    fresh $tool
    run $tool $tool bin.py
    [ "$(cat $tool.rc)" = 255 ] || fail "$tool: binary CURRENT exit $(cat $tool.rc)"
    grep -q '^error: Cannot merge binary files: bin.py' $tool.err || fail "$tool: $(cat $tool.err)"
    cmp -s $tool/bin.py in/bin.py || fail "$tool: binary CURRENT changed"
done
echo "merge_file_write: ok"
