#!/bin/sh
# tests/integration/verify_serve.sh - the verify operation through dk serve
# (POST /v1/verify) on a C project with make and a .dk/pipeline.yaml: a
# broken change is rejected with the failing step and its finding and cannot
# land; the fix, resubmitted, is approved and lands; check=true verifies a
# draft without moving it; a human-approve step is rejected by a person
# (reject) and, resubmitted, approved; a repository without a pipeline file runs the
# auto-detected (here: empty) pipeline. Fails on a sanitizer report from the
# server.
. "$(dirname "$0")/lib/serve_env.sh"

c="$tmp/c"
git init -q -b main "$c"
mkdir -p "$c/.dk"
printf 'all: calc\ncalc: main.c calc.c\n\tcc -o calc main.c calc.c\ntest: calc\n\t./calc\n' > "$c/Makefile"
printf 'int add(int a, int b)\n{\n    return a + b;\n}\n' > "$c/calc.c"
cat > "$c/main.c" <<'C'
#include <stdio.h>
int add(int a, int b);
int main(void)
{
    if (add(2, 3) != 5) {
        fprintf(stderr, "main.c:6: error: add(2, 3) is %d\n", add(2, 3));
        return 1;
    }
    return 0;
}
C
cat > "$c/.dk/pipeline.yaml" <<'Y'
stages:
  - name: build
    steps:
      - name: build
        run: make
  - name: test
    steps:
      - name: unit
        run: make test
Y
git -C "$c" add . && git -C "$c" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import cproj "$c" --data "$tmp/data" >/dev/null
serve_start

ok connect '{"repo":"cproj","intent":"add","agent_id":"a1"}'
SID=$(jq_ 'j["session_id"]')
bad=$(printf 'int add(int a, int b)\n{\n    return a - b;\n}\n' | python3 -S -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
ok file_write "{\"session_id\":\"$SID\",\"path\":\"calc.c\",\"content\":$bad}"

# a draft: check=true verifies without moving it; without check it is refused
ok verify "{\"session_id\":\"$SID\",\"check\":true}"
[ "$(jq_ 'j["passed"]')" = false ] || fail "check: broken change passed"
[ "$(jq_ 'j["state"]')" = draft ] || fail "check moved the changeset"
op verify "{\"session_id\":\"$SID\"}"; expect 409 INVALID_STATE

ok submit "{\"session_id\":\"$SID\"}"
ok verify "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["passed"]')" = false ] || fail "broken change passed"
[ "$(jq_ 'j["state"]')" = rejected ] || fail "not rejected"
[ "$(jq_ '[(s["name"], s["status"]) for s in j["steps"]]')" = '[["semantic", "pass"], ["build", "pass"], ["unit", "fail"]]' ] || fail "steps"
[ "$(jq_ '[(f["file"], f["line"]) for f in j["steps"][2]["findings"]]')" = '[["main.c", 6]]' ] || fail "finding"
jq_ 'j["steps"][2]["output_tail"]' | grep -q 'add(2, 3) is -1' || fail "output tail"
op land "{\"session_id\":\"$SID\"}"; expect 409 INVALID_STATE

good=$(printf 'int add(int a, int b)\n{\n    return b + a;\n}\n' | python3 -S -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
ok file_write "{\"session_id\":\"$SID\",\"path\":\"calc.c\",\"content\":$good}"
ok submit "{\"session_id\":\"$SID\"}"
ok verify "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["passed"]')" = true ] || fail "fix did not pass"
[ "$(jq_ 'j["state"]')" = approved ] || fail "not approved"
[ "$(jq_ 'j["pipeline"]')" = .dk/pipeline.yaml ] || fail "pipeline source"
ok land "{\"session_id\":\"$SID\"}"
[ -n "$(jq_ 'j["commit"]')" ] || fail "land commit"

# a human-approve step: verify stops there (awaiting_approval); a person rejects it
# (POST /v1/reject, approve scope, a reason), the session changes and submits again,
# and this time the person approves and it lands
h="$tmp/h"
git init -q -b main "$h"
mkdir -p "$h/.dk"
printf 'all:\n\t@echo building\n' > "$h/Makefile"
printf 'one\n' > "$h/notes.txt"
printf 'stages:\n  - name: build\n    steps:\n      - name: build\n        run: make\n  - name: sign\n    steps:\n      - name: sign-off\n        type: human-approve\n' > "$h/.dk/pipeline.yaml"
git -C "$h" add . && git -C "$h" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import hproj "$h" --data "$tmp/data" >/dev/null
wr=$("$DK" token create --scope write --data "$tmp/data" 2>/dev/null)
ok connect '{"repo":"hproj","intent":"needs a person","agent_id":"h1"}'
SID=$(jq_ 'j["session_id"]')
ok file_write "{\"session_id\":\"$SID\",\"path\":\"notes.txt\",\"content\":\"two\\n\"}"
ok submit "{\"session_id\":\"$SID\"}"
CS=$(jq_ 'j["changeset_id"]')
op reject "{\"changeset_id\":\"$CS\",\"reason\":\"too early\"}"; expect 409 INVALID_STATE
ok verify "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["state"]')" = awaiting_approval ] || fail "not awaiting approval"
op reject "{\"changeset_id\":\"$CS\"}"; expect 400 INVALID_ARGUMENT
op reject "{\"changeset_id\":\"$CS\",\"reason\":\"no\"}" "$wr"; expect 403 FORBIDDEN
ok status "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["changeset_state"]')" = awaiting_approval ] || fail "a refused reject changed the state"
ok reject "{\"changeset_id\":\"$CS\",\"reason\":\"notes say two, should say three\"}"
[ "$(jq_ 'j["state"]')" = rejected ] || fail "not rejected"
[ "$(jq_ 'j["reason"]')" = "notes say two, should say three" ] || fail "reject reason"
op reject "{\"changeset_id\":\"$CS\",\"reason\":\"again\"}"; expect 409 INVALID_STATE
op land "{\"session_id\":\"$SID\"}"; expect 409 INVALID_STATE
ok watch '{"repo":"hproj","types":"changeset.rejected","timeout_ms":0}'
[ "$(jq_ 'len(j["events"])')" = 1 ] || fail "changeset.rejected event"
ok file_write "{\"session_id\":\"$SID\",\"path\":\"notes.txt\",\"content\":\"three\\n\"}"
ok submit "{\"session_id\":\"$SID\"}"
ok verify "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["state"]')" = awaiting_approval ] || fail "not awaiting approval again"
ok approve "{\"changeset_id\":\"$CS\",\"reason\":\"three it is\"}"
[ "$(jq_ 'j["state"]')" = approved ] || fail "not approved after the resubmit"
ok land "{\"session_id\":\"$SID\"}"
[ -n "$(jq_ 'j["commit"]')" ] || fail "land after approval"

# demo has no pipeline file and nothing detectable: only the semantic step
connect bob
content=$(app_with 1 '* 10')
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$content}"
ok verify "{\"session_id\":\"$SID\",\"check\":true}"
[ "$(jq_ 'j["pipeline"]')" = auto-none ] || fail "auto-none"
[ "$(jq_ '[s["name"] for s in j["steps"]]')" = '["semantic"]' ] || fail "auto-none steps"
[ "$(jq_ 'j["passed"]')" = true ] || fail "auto-none passed"

serve_finish
echo "verify_serve: ok"
