#!/bin/sh
# tests/integration/merge_file_json.sh - the JSON of dk merge-file --json and
# dk symbols --json (built with jansson in src/api/) is valid for a strict
# parser whatever bytes the inputs hold: Latin-1 text in a conflict, in a
# symbol name and in the merged file comes out as U+FFFD, with the exact
# bytes in "<field>_base64". Field names are checked, and the exit status
# and the files written are those of the run without --json.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
command -v python3 >/dev/null || { echo "FAIL: python3 needed to parse JSON strictly" >&2; exit 1; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp"

# Latin-1 bytes (\351 = e-acute, \377) in the lines both sides change, and in a function name
printf 'def caf\351():\n    return "b"\n\n\ndef g():\n    return 2\n' > b.py
printf 'def caf\351():\n    return "o\351"\n\n\ndef g():\n    return 2\n' > o.py
printf 'def caf\351():\n    return "t\377"\n\n\ndef g():\n    return 2\n' > t.py
# precondition: the input is not UTF-8 (else the test is moot)
if python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' o.py 2>/dev/null; then
    fail "o.py decodes as UTF-8: test is moot"
fi

set +e
"$DK" merge-file -p --json o.py b.py t.py > merge.json
jrc=$?
"$DK" merge-file -p o.py b.py t.py > merged.py
prc=$?
set -e
[ $jrc = 1 ] && [ $prc = 1 ] || fail "one conflict expected: exit $jrc (--json) and $prc"

python3 - merge.json merged.py <<'PY' || fail "merge-file --json"
import base64, json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))
merged = open(sys.argv[2], "rb").read()
for key in ("path", "clean", "method", "language", "note", "conflicts", "merged"):
    assert key in doc, "missing field " + key
assert doc["clean"] is False and len(doc["conflicts"]) == 1, doc
c = doc["conflicts"][0]
for key in ("symbol", "kind", "description", "result_lines", "base_lines", "ours_lines",
            "theirs_lines", "base", "ours", "theirs"):
    assert key in c, "missing conflict field " + key
assert "\ufffd" in doc["merged"], "no replacement character in merged"
assert base64.b64decode(doc["merged_base64"]) == merged, "merged_base64 is not the -p output"
assert base64.b64decode(c["ours_base64"]).endswith(b'"o\xe9"\n'), c
assert base64.b64decode(c["theirs_base64"]).endswith(b'"t\xff"\n'), c
assert "base_base64" not in c or base64.b64decode(c["base_base64"]), c
PY

# without -p: CURRENT is written, the JSON has no "merged"
cp o.py cur.py
set +e
"$DK" merge-file --json -L o.py cur.py b.py t.py > cur.json
rc=$?
set -e
[ $rc = 1 ] || fail "--json without -p: exit $rc"
cmp -s cur.py merged.py || fail "--json without -p: CURRENT is not the merge"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); assert "merged" not in d' cur.json ||
    fail "--json without -p"

# a clean merge: clean true, no conflicts
printf 'def caf\351():\n    return "b"\n\n\ndef g():\n    return 3\n' > t2.py
"$DK" merge-file -p --json o.py b.py t2.py > clean.json || fail "clean merge exit"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); assert d["clean"] is True and d["conflicts"] == [], d' clean.json ||
    fail "clean merge JSON"

# the structured merge with empty labels: the conflict is recorded where it is made,
# counted in the exit status and written as git writes empty labels ("<<<<<<< ")
printf 'import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n' > sb.py
sed 's/return 1/return 10/' sb.py > so.py
sed 's/return 1/return 11/' sb.py > st.py
printf '\n\ndef h():\n    return 3\n' >> st.py
set +e
"$DK" merge-file -p --json -L '' -L '' -L '' so.py sb.py st.py > s.json
rc=$?
set -e
[ $rc = 1 ] || fail "structured conflict with empty labels: exit $rc"
python3 - s.json <<'PY' || fail "structured conflict with empty labels"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["method"] == "structured" and d["clean"] is False, (d["method"], d["note"])
assert len(d["conflicts"]) == 1 and d["conflicts"][0]["symbol"] == "f", d["conflicts"]
assert "\n<<<<<<< \n" in d["merged"] and "\n>>>>>>> \n" in d["merged"], d["merged"]
assert "def h():" in d["merged"], "theirs' new function lost"
PY

# dk symbols --json: the analysis needs UTF-8 source, but a file name may be Latin-1
name=$(printf 'caf\351.py')
printf 'def caf\303\251():\n    return 1\n\n\ndef g():\n    return 2\n' > "$name"
set +e
"$DK" symbols --json "$name" b.py > symbols.json 2>symbols.err
rc=$?
set -e
[ $rc = 1 ] || fail "dk symbols with one unreadable (Latin-1) source: exit $rc"
python3 - symbols.json <<'PY' || fail "symbols --json"
import base64, json, sys
files = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))
assert len(files) == 1, files
f = files[0]
for key in ("path", "language", "symbols", "imports", "calls", "errors"):
    assert key in f, "missing field " + key
assert f["path"] == "caf\ufffd.py" and base64.b64decode(f["path_base64"]) == b"caf\xe9.py", f
names = [s["name"] for s in f["symbols"]]
assert names == ["caf\u00e9", "g"], names
s = f["symbols"][0]
for key in ("id", "kind", "name", "qualified_name", "visibility", "occurrence", "parent", "span",
            "decl", "signature"):
    assert key in s, "missing symbol field " + key
assert base64.b64decode(s["id_base64"]).startswith(b"caf\xe9.py::"), s
assert s["span"]["start_line"] == 1 and s["parent"] is None, s
PY
grep -q 'b.py' symbols.err || fail "the Latin-1 source b.py was not reported"
echo "merge_file_json: ok"
