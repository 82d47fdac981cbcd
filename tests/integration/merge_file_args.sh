#!/bin/sh
# tests/integration/merge_file_args.sh - dk merge-file against the real
# git merge-file, side by side: the same arguments on copies of the same
# files must give the same exit status, the same stdout, the same "error:"
# lines and the same files afterwards. Argument forms (attached -Lx, bundled
# -pq, options after the file names, abbreviations, --no-*, `--`, `-` as a
# file name), usage errors (129), marker sizes (any: 0 and negative are
# the default, over 64, over libgit2's 65535), labels that are empty or hold
# a newline, --ours/--theirs/--union, --diff3/--zdiff3, binary inputs (255,
# CURRENT untouched), unreadable ones, and merge.conflictStyle inside a
# repository. The inputs are .txt, so dk uses git's line merge and every
# byte must match. Also: every subcommand and
# `dk` itself answer -h and --help with their usage on stdout, exit 0.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || { chmod -R u+w "$tmp"; rm -rf "$tmp"; }' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp"

mkdir in
printf 'a\nb\nc\nd\ne\n' > in/b.txt
printf 'a\nB1\nc\nd\nE1\n' > in/o.txt
printf 'a\nB2\nc\nd\nE2\n' > in/t.txt
cp in/o.txt in/-x
# CRLF, marker-like lines of the inputs (an RST title), no final newline
printf 'T\r\n=======\r\nx\r\n<<<<<<<< y\r\n' > in/cb.txt
printf 'T\r\n=======\r\nx1\r\n<<<<<<<< y\r\n=======\r\n' > in/co.txt
printf 'T\r\n=======\r\nx2\r\n<<<<<<<< y\r\n>>>>>>>\r\n' > in/ct.txt
printf 'a\nb' > in/nb.txt
printf 'a\nb1' > in/no.txt
printf 'a\nb2' > in/nt.txt
printf 'a\0b\n' > in/bin.txt
printf '1\n2\n3\n4\n5\n6\n7\n8\n9\n' > in/b2.txt
sed 's/^2$/2o/;s/^8$/8o/' in/b2.txt > in/o2.txt
sed 's/^2$/2t/;s/^8$/8t/' in/b2.txt > in/t2.txt
printf 'a\nb\nc\nd\ne\n' > in/clean_o.txt
printf 'a\nb\nc\nd\nE\n' > in/clean_t.txt

# precondition: git sees conflicts in the main inputs (else most cases are moot)
if git merge-file -p in/o.txt in/b.txt in/t.txt >/dev/null 2>&1; then
    fail "git merges o/b/t cleanly: test is moot"
fi

n=0
# same ARGS...: git and dk on copies of in/, everything compared
same() {
    n=$((n + 1))
    rm -rf g d
    cp -pR in g
    cp -pR in d
    set +e
    (cd g && git merge-file "$@" >../g.out 2>../g.err)
    grc=$?
    (cd d && "$DK" merge-file "$@" >../d.out 2>../d.err)
    drc=$?
    set -e
    [ "$grc" = "$drc" ] || fail "merge-file $*: exit $drc, git $grc ($(head -2 d.err))"
    cmp -s g.out d.out || fail "merge-file $*: stdout differs from git's"
    grep '^error:' g.err > g.errl || true
    grep '^error:' d.err > d.errl || true
    cmp -s g.errl d.errl || fail "merge-file $*: errors '$(cat d.errl)', git '$(cat g.errl)'"
    (cd g && cksum -- *) > g.sum
    (cd d && cksum -- *) > d.sum
    cmp -s g.sum d.sum || fail "merge-file $*: files differ from git's: $(diff g.sum d.sum | tail -1)"
}

same -p o.txt b.txt t.txt
same o.txt b.txt t.txt
same o.txt b.txt t.txt -p
same -p -Lx -Ly -Lz o.txt b.txt t.txt
same -pq -L x o.txt b.txt t.txt
same -qpLx o.txt b.txt t.txt
same -p -L= o.txt b.txt t.txt
same --stdout --quiet o.txt b.txt t.txt
same -p --no-stdout o.txt b.txt t.txt
same --st o.txt b.txt t.txt
same -p -- -x b.txt t.txt
same -p -x b.txt t.txt
same -p - b.txt t.txt
same -p o.txt b.txt missing.txt
same -p -L
same -p -L x -L
same -p -Lx -Ly -Lz -Lw o.txt b.txt t.txt
same -p
same -p o.txt b.txt
same -p o.txt b.txt t.txt t.txt
same -p --bogus o.txt b.txt t.txt
same -p -y o.txt b.txt t.txt
same -p --stdout=1 o.txt b.txt t.txt
same -p --diff3=x o.txt b.txt t.txt
same -p --no-L o.txt b.txt t.txt
for ms in 0 -3 3 +5 " 5" 65; do
    same -p --marker-size "$ms" o.txt b.txt t.txt
done
same -p --marker-size=100 --diff3 o.txt b.txt t.txt
same --marker-size=70000 co.txt cb.txt ct.txt
same -p --marker-size=abc o.txt b.txt t.txt
same -p --marker-size= o.txt b.txt t.txt
same -p --marker-size=5x o.txt b.txt t.txt
same -p --marker-size
same -p --no-marker-size o.txt b.txt t.txt
same -p --mark 9 o.txt b.txt t.txt
same -p -L '' -L '' -L '' o.txt b.txt t.txt
same -p -L '' -L '' -L '' --diff3 o.txt b.txt t.txt
nl=$(printf 'a\nb')
cr=$(printf 'x\ry')
same -p -L "$nl" -L "$cr" -L "$nl" --zdiff3 o.txt b.txt t.txt
for favor in "" --ours --theirs --union; do
    same -p $favor co.txt cb.txt ct.txt
    same -p $favor no.txt nb.txt nt.txt
    same --zdiff3 $favor -L '' o2.txt b2.txt t2.txt
done
same -p --diff3 co.txt cb.txt ct.txt
same -p --zdiff3 no.txt nb.txt nt.txt
same -p --diff3 --no-diff3 o.txt b.txt t.txt
same -p --ours --no-ours o.txt b.txt t.txt
same -p --theirs --union o.txt b.txt t.txt
same -p --ou o.txt b.txt t.txt
same -p --un o.txt b.txt t.txt
same -p clean_o.txt b.txt clean_t.txt
same clean_o.txt b.txt clean_t.txt
same -p o.txt bin.txt t.txt
same o.txt bin.txt t.txt
same bin.txt b.txt bin.txt
same -p o.txt b.txt bin.txt
same -q o.txt bin.txt t.txt
same -p o.txt o.txt o.txt
[ "$n" -gt 60 ] || fail "only $n cases ran"

# the exit status counts conflicts: 2 blocks in o2/b2/t2, also with empty labels
same -p o2.txt b2.txt t2.txt
same -p -L '' -L '' -L '' o2.txt b2.txt t2.txt
[ "$drc" -eq 2 ] || fail "two conflicts, exit $drc"
same --union -L '' -L '' -L '' o2.txt b2.txt t2.txt

# merge.conflictStyle: read inside a repository (every level, here the global
# one through HOME and the repository's own), overridden by the options,
# unknown styles fatal (128); outside a repository nothing is read
mkdir home repo
printf '[merge]\n\tconflictStyle = zdiff3\n' > home/.gitconfig
git init -q repo
cp in/o.txt in/b.txt in/t.txt repo/
# cfg ARGS...: git and dk in repo/, HOME=home, stdout and exit status compared
cfg() {
    set +e
    (cd repo && HOME="$tmp/home" git merge-file -p "$@" o.txt b.txt t.txt >../g.out 2>../g.err)
    grc=$?
    (cd repo && HOME="$tmp/home" "$DK" merge-file -p "$@" o.txt b.txt t.txt >../d.out 2>../d.err)
    drc=$?
    set -e
    [ "$grc" = "$drc" ] || fail "in a repository, merge-file $*: exit $drc, git $grc"
    cmp -s g.out d.out || fail "in a repository, merge-file $*: stdout differs from git's"
    cmp -s g.err d.err || fail "in a repository, merge-file $*: '$(cat d.err)', git '$(cat g.err)'"
}
cfg
grep -q '^|||||||' d.out || fail "global merge.conflictStyle=zdiff3 not used: test is moot"
cfg --no-zdiff3
git -C repo config merge.conflictStyle diff3
cfg
cfg --zdiff3
git -C repo config merge.conflictStyle bogus
cfg
[ "$drc" = 128 ] || fail "unknown merge.conflictStyle: exit $drc"
(cd in && HOME="$tmp/home" "$DK" merge-file -p o.txt b.txt t.txt >../d.out 2>&1) || true
! grep -q '^|||||||' d.out || fail "merge.conflictStyle read outside a repository"

# -h and --help: usage on stdout, exit 0, for dk and every subcommand
for cmd in "" merge-file symbols replay tree languages version; do
    for h in -h --help; do
        set +e
        # shellcheck disable=SC2086
        "$DK" $cmd $h >h.out 2>h.err
        rc=$?
        set -e
        [ $rc -eq 0 ] || fail "dk $cmd $h: exit $rc"
        grep -q '^usage: dk' h.out || fail "dk $cmd $h: no usage on stdout"
        [ ! -s h.err ] || fail "dk $cmd $h: wrote to stderr"
    done
done
echo "ok: $n argument cases match git merge-file"
