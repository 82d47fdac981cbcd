#!/bin/sh
# The README's `make demo` scene (scripts/demo) against a real `dk serve`:
# three agents land three functions of one file with zero conflicts, then a
# same-function clash comes back as a precise conflict and is resolved. The
# script checks the branch itself after each scene and exits non-zero if a
# change is missing, the conflict does not come, or git fsck fails.
set -eu
cd "${DK_SRCDIR:-.}"
NO_COLOR=1 sh scripts/demo "${DK_BIN:-build/release/dk}"
