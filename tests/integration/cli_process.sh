#!/bin/sh
# tests/integration/cli_process.sh - process-wide policies of the dk executable
# (src/cli/ca_bundle.c): libgit2's init binds mbedtls_x509_crt_parse_file to
# dk's own definition, so the system CA bundle is never parsed, and nothing
# reads a certificate file. Skipped (and says so) when libgit2 is not built
# on mbedTLS: then nothing calls the function.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

if ! ldd "$DK" | grep -q 'libmbedx509'; then
    echo "cli_process: skipped (libgit2 is not linked with mbedTLS)"
    exit 0
fi
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$tmp/ld" "$DK" version >/dev/null
binds=$(cat "$tmp"/ld.* | grep "mbedtls_x509_crt_parse_file'" || true)
[ -n "$binds" ] || fail "libgit2's init did not look up mbedtls_x509_crt_parse_file"
# every caller (libgit2, and libmbedx509's own path loader) binds to dk
echo "$binds" | grep -q "libgit2" || fail "libgit2 does not call it: $binds"
echo "$binds" | grep -v " to $DK \[" | grep -q . && fail "not bound to the dk executable: $binds"
echo "cli_process: ok"
