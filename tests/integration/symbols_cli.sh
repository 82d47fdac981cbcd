#!/bin/sh
# tests/integration/symbols_cli.sh - drive the real `dk symbols` binary:
# JSON validity, shebang detection, and a clear error plus exit 1 for
# unsupported, binary, invalid UTF-8 and missing files.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
cd "${DK_SRCDIR:-.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# JSON output parses and carries deterministic ids
"$DK" symbols --json tests/lang/python/sample.py > "$tmp/out.json"
python3 - "$tmp/out.json" <<'PY' || fail "json output"
import json, sys
files = json.load(open(sys.argv[1]))
assert len(files) == 1 and files[0]["language"] == "python", files
ids = [s["id"] for s in files[0]["symbols"]]
assert "tests/lang/python/sample.py::Greeter.Nested.deep::method" in ids, ids
assert len(ids) == len(set(ids))
PY

# the human table lists nested qualified names
"$DK" symbols tests/lang/python/sample.py | grep -q "method     Greeter.Nested.deep" || fail "table"

# extensionless script found by its #! line
printf '#!/usr/bin/env python3\ndef main():\n    pass\n' > "$tmp/tool"
"$DK" symbols "$tmp/tool" | grep -q "function   main" || fail "shebang detection"

# bad inputs: exit 1, a message naming the file, nothing on stdout
printf 'hello\n' > "$tmp/notes.unknown"
printf 'def f():\0\n' > "$tmp/bin.py"
printf 'x = "\377"\n' > "$tmp/latin1.py"
for f in "$tmp/notes.unknown:unsupported" "$tmp/bin.py:binary" "$tmp/latin1.py:utf-8" "$tmp/missing.py:cannot open"; do
    path=${f%%:*}; want=${f#*:}
    if "$DK" symbols "$path" > "$tmp/stdout" 2> "$tmp/stderr"; then fail "$path accepted"; fi
    grep -q "$want" "$tmp/stderr" || fail "$path: message lacks '$want': $(cat "$tmp/stderr")"
    [ ! -s "$tmp/stdout" ] || fail "$path: printed output"
done

# one bad file does not stop the others, but the exit status reports it
if "$DK" symbols tests/lang/python/sample.py "$tmp/bin.py" > "$tmp/stdout" 2>/dev/null; then fail "mixed exit"; fi
grep -q "Greeter" "$tmp/stdout" || fail "mixed: good file missing"

# usage errors exit 2
set +e
"$DK" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no-arg exit code"
"$DK" symbols --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad option exit code"
"$DK" symbols --lang nosuch x >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad language exit code"
set -e
echo "symbols_cli: ok"
