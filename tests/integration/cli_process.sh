#!/bin/sh
# tests/integration/cli_process.sh - process-wide policies of the dk executable:
#  - src/cli/ca_bundle.c: libgit2's init binds mbedtls_x509_crt_parse_file to
#    dk's own definition, so the system CA bundle is never parsed (skipped, and
#    says so, when libgit2 is not built on mbedTLS: then nothing calls it);
#  - src/cli/ssh_init.c: libgit2's init binds libssh2_init to dk's own
#    definition (skipped when libgit2 does not link libssh2);
#  - libpq, libsqlite3 and libmicrohttpd are not loaded by `dk merge-file`
#    (dlopen when a store opens or a server starts), and a SQLite store still
#    opens through the loaded library.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

LD_DEBUG=bindings LD_DEBUG_OUTPUT="$tmp/ld" "$DK" version >/dev/null
if ldd "$DK" | grep -q 'libmbedx509'; then
    binds=$(cat "$tmp"/ld.* | grep "mbedtls_x509_crt_parse_file'" || true)
    [ -n "$binds" ] || fail "libgit2's init did not look up mbedtls_x509_crt_parse_file"
    # every caller (libgit2, and libmbedx509's own path loader) binds to dk
    echo "$binds" | grep -q "libgit2" || fail "libgit2 does not call it: $binds"
    echo "$binds" | grep -v " to $DK \[" | grep -q . && fail "not bound to the dk executable: $binds"
else
    echo "cli_process: CA bundle check skipped (libgit2 is not linked with mbedTLS)"
fi
if ldd "$DK" | grep -q 'libssh2'; then
    binds=$(cat "$tmp"/ld.* | grep "libssh2_init'" || true)
    [ -n "$binds" ] || fail "libgit2's init did not look up libssh2_init"
    echo "$binds" | grep -v " to $DK \[" | grep -q . && fail "libssh2_init not bound to dk: $binds"
else
    echo "cli_process: libssh2 check skipped (libgit2 is not linked with libssh2)"
fi

printf 'a\nb\nc\n' >"$tmp/base"
printf 'A\nb\nc\n' >"$tmp/ours"
printf 'a\nb\nC\n' >"$tmp/theirs"
LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/files" "$DK" merge-file -p "$tmp/ours" "$tmp/base" \
    "$tmp/theirs" >"$tmp/out"
printf 'A\nb\nC\n' | cmp -s - "$tmp/out" || fail "merge-file result: $(cat "$tmp/out")"
for lib in libpq libsqlite3 libmicrohttpd; do
    grep -q "file=$lib" "$tmp"/files.* && fail "dk merge-file loaded $lib"
done
"$DK" repo init demo --data "$tmp/data" >/dev/null
"$DK" repo list --data "$tmp/data" | grep -q '^demo ' || fail "the SQLite store did not open"
echo "cli_process: ok"
