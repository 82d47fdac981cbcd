#!/bin/sh
# tests/integration/agents20.sh - twenty agents at once on one `dk serve`, over MCP
# streamable HTTP (tests/mcp/agents.mjs on the official TypeScript SDKs), on SQLite
# and then on PostgreSQL + Redis when scripts/test-services gives them.
#
# The repository is generated here (Python, C and TypeScript files of many
# functions, three commits), with a verification pipeline (.dk/pipeline.yaml:
# py_compile of the Python file). Of the twenty agents, twelve edit twelve
# different functions (four per file, neighbours included), four add new
# functions (two at one place in the middle of the Python file, two at the end
# of the C file), and two pairs change one function each: the second of a pair
# gets one CONFLICT naming the symbol with the three versions, resolves it
# (keep_mine; its own text) and lands. Then, on the server's repository and on a
# clone over git HTTP: `git fsck --strict`; the branch is linear, one commit per
# acknowledged landing and nothing else; every landed commit's tree holds
# exactly the changes landed up to it, each once, and the rest of the files as
# imported; the final files compile (py_compile, cc -fsyntax-only, when there).
# Order comes from promises and polling with bounded retries, never sleeps.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
cd "${DK_SRCDIR:-.}"
. tests/integration/lib/pg_db.sh
MCP=$(pwd)/tests/mcp
[ -d "$MCP/node_modules/@modelcontextprotocol/client" ] && [ -d "$MCP/node_modules/@modelcontextprotocol/sdk" ] ||
    { echo "FAIL: tests/mcp/node_modules missing: run scripts/deps" >&2; exit 1; }
tmp=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    pg_db_done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [ -f "$tmp/serve.err" ] && grep -v ' level=info ' "$tmp/serve.err" | tail -15 >&2
    exit 1
}

# ---- the repository and the plan ---------------------------------------------------
git init -q -b main "$tmp/src"
python3 - "$tmp/src" "$tmp/plan.json" <<'PY'
import json, os, subprocess, sys
src, plan_path = sys.argv[1], sys.argv[2]
N = 12
def py(i): return 'def core_%02d(x):\n    """Step %d of the core."""\n    y = x * %d\n    return y + %d\n' % (i, i, i + 1, i)
def c(i): return 'int util_%02d(int x)\n{\n    int y = x * %d;\n    return y + %d;\n}\n' % (i, i + 1, i)
def ts(i): return 'export function api_%02d(x: number): number {\n    const y = x * %d;\n    return y + %d;\n}\n' % (i, i + 1, i)
def write(path, text):
    os.makedirs(os.path.dirname(os.path.join(src, path)) or src, exist_ok=True)
    open(os.path.join(src, path), "w").write(text)
def files(upto):
    write("pkg/core.py", '"""Core steps."""\nimport math\n\n\n' + "\n\n".join(py(i) for i in range(upto)))
    write("src/util.c", "#include <stdio.h>\n\n" + "\n".join(c(i) for i in range(upto)))
    write("web/api.ts", "// api steps\n\n" + "\n".join(ts(i) for i in range(upto)))
def commit(msg):
    subprocess.run(["git", "-C", src, "add", "-A"], check=True)
    subprocess.run(["git", "-C", src, "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "commit", "-qm", msg], check=True)
files(6)
write("README.md", "# generated\n")
commit("first half")
files(N)
commit("second half")
write("README.md", "# generated\n\nthree files of steps\n")
commit("readme")

plan = []
def agent(kind, path, symbol, old, new, sdk=None, **kw):
    n = len(plan)
    plan.append(dict(agent=n, sdk=sdk or ("v1" if n % 2 else "v2"), kind=kind, path=path,
                     symbol=symbol, old=old, new=new, **kw))
ret = {"pkg/core.py": ("core", "    return y + %d\n"), "src/util.c": ("util", "    return y + %d;\n"),
       "web/api.ts": ("api", "    return y + %d;\n")}
comment = {"pkg/core.py": "  # agent %02d", "src/util.c": "; /* agent %02d */", "web/api.ts": "; // agent %02d"}
for path, (prefix, line) in ret.items():
    for i in (1, 2, 3, 4):  # neighbours: 1..4
        n = len(plan)
        old = line % i
        new = old.rstrip("\n").rstrip(";") + " + %d" % (1000 + n) + (comment[path] % n) + "\n"
        agent("edit", path, "%s_%02d" % (prefix, i), old, new)
# two new functions at one place in the middle of core.py, two at the end of util.c
for k in (0, 1):
    n = len(plan)
    anchor = py(8)
    agent("add", "pkg/core.py", "added_%02d" % n, anchor,
          anchor + "\n\ndef added_%02d(x):\n    return x - %d  # agent %02d\n" % (n, n, n))
for k in (0, 1):
    n = len(plan)
    anchor = c(N - 1)
    agent("add", "src/util.c", "added_%02d" % n, anchor,
          anchor + "\nint added_%02d(int x)\n{\n    return x - %d; /* agent %02d */\n}\n" % (n, n, n))
# two pairs on one function each: the second resolves keep_mine (pair 0) or with its own text (pair 1)
for pair, (path, i, resolve) in enumerate((("pkg/core.py", 0, "keep_mine"), ("web/api.ts", 9, "content"))):
    prefix, line = ret[path]
    old = line % i
    first = len(plan)
    agent("clash_first", path, "%s_%02d" % (prefix, i), old,
          old.rstrip("\n").rstrip(";") + " * 2" + (comment[path] % first) + "\n", pair=pair)
    second = first + 1
    mine = old.rstrip("\n").rstrip(";") + " * 3" + (comment[path] % second) + "\n"
    kw = dict(pair=pair, resolve=resolve)
    if resolve == "content":
        kw["resolved"] = old.rstrip("\n").rstrip(";") + " * 6; // agents %02d and %02d\n" % (first, second)
    agent("clash_second", path, "%s_%02d" % (prefix, i), old, mine, **kw)
assert len(plan) == 20, len(plan)
json.dump(plan, open(plan_path, "w"), indent=1)
PY
# the same repository with a verification pipeline (py_compile of the Python file)
git clone -q "$tmp/src" "$tmp/src-pipe"
mkdir -p "$tmp/src-pipe/.dk"
printf '%s\n' 'pipeline:' '  allowed_commands: ["python3 -m py_compile"]' 'stages:' '  - name: check' \
    '    steps:' '      - name: compile' '        run: python3 -m py_compile pkg/core.py' > "$tmp/src-pipe/.dk/pipeline.yaml"
git -C "$tmp/src-pipe" add .dk && git -C "$tmp/src-pipe" -c user.name=t -c user.email=t@example.com commit -qm pipeline

start_server() { # start_server ARGS...: dk serve on a free loopback port
    rm -f "$tmp/serve.out"
    "$DK" serve --listen 127.0.0.1:0 "$@" > "$tmp/serve.out" 2> "$tmp/serve.err" &
    PID=$!
    i=0
    while [ ! -s "$tmp/serve.out" ]; do
        i=$((i + 1)); [ $i -lt 1200 ] || fail "server did not start in 60 s"
        kill -0 "$PID" 2>/dev/null || fail "server exited at start"
        sleep 0.05
    done
    URL=$(head -1 "$tmp/serve.out")
}

stop_server() {
    kill "$PID"
    rc=0; wait "$PID" || rc=$?
    PID=
    if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$tmp/serve.err"; then
        sed -n '/Sanitizer\|runtime error/,$p' "$tmp/serve.err" | head -40 >&2
        fail "sanitizer report from dk serve"
    fi
    [ $rc -eq 0 ] || fail "dk serve exited $rc"
}

# run LABEL SRC PIPELINE(0|1) DATA [STORE [CACHE]]: import, serve, the storm, the checks
run() {
    label=$1; src=$2; pipe=$3; data=$4; store=${5:-}; cache=${6:-}
    t0=$(date +%s%N)
    echo "== $label"
    IMPORTED=$(git -C "$src" rev-parse HEAD)
    "$DK" repo import shop "$src" --data "$data" ${store:+--store "$store"} > /dev/null || fail "$label: dk repo import"
    start_server --data "$data" ${store:+--store "$store"} ${cache:+--cache "$cache"}
    TOKEN=$(cat "$data/admin.token")
    DK_URL=$URL/mcp DK_TOKEN=$TOKEN DK_REPO=shop DK_PIPELINE=$pipe timeout 240 node "$MCP/agents.mjs" "$tmp/plan.json" "$tmp/landed.json" \
        > "$tmp/agents.out" 2>&1 || { cat "$tmp/agents.out"; fail "$label: the agents"; }
    grep "dk_status answered" "$tmp/agents.out" || true
    tail -1 "$tmp/agents.out"
    rm -rf "$tmp/clone"
    git clone -q "http://dk:$TOKEN@${URL#http://}/git/shop.git" "$tmp/clone" || fail "$label: git clone over HTTP"
    stop_server
    gitdir=$(find "$data" -type d -name 'shop*.git' | head -1)
    [ -n "$gitdir" ] || fail "$label: the server's repository is not under $data"
    for g in "$gitdir" "$tmp/clone/.git"; do
        git --git-dir="$g" fsck --strict --no-dangling > "$tmp/fsck" 2>&1 || { cat "$tmp/fsck"; fail "$label: git fsck --strict $g"; }
    done
    echo "ok - git fsck --strict: the server's repository and the clone"
    python3 - "$gitdir" "$tmp/clone/.git" "$IMPORTED" "$tmp/plan.json" "$tmp/landed.json" <<'PY' || fail "$label: history checks"
import json, subprocess, sys
gitdir, clone, imported, plan_path, landed_path = sys.argv[1:6]
plan = {a["agent"]: a for a in json.load(open(plan_path))}
landings = json.load(open(landed_path))["landings"]
def git(*args, d=gitdir):
    return subprocess.run(["git", "--git-dir", d] + list(args), check=True, capture_output=True, text=True).stdout
head = git("rev-parse", "refs/heads/main").strip()
assert head == git("rev-parse", "HEAD", d=clone).strip(), "the clone's head is the branch head"
# linear: every commit after the imported head has one parent, and they are exactly the landings
revs = git("rev-list", "--reverse", "--parents", "%s..%s" % (imported, head)).split("\n")
revs = [r.split() for r in revs if r]
assert all(len(r) == 2 for r in revs), "a merge commit on the branch: %s" % [r for r in revs if len(r) != 2]
chain = [r[0] for r in revs]
assert revs[0][1] == imported, "the first landing's parent is the imported head"
for a, b in zip(revs, revs[1:]):
    assert b[1] == a[0], "the history is one chain"
by_commit = {l["commit"]: l for l in landings}
assert sorted(by_commit) == sorted(chain), "the branch holds exactly the acknowledged landings: %d commits, %d landings" % (len(chain), len(landings))
print("ok - linear history: %d commits, one per acknowledged landing" % len(chain))
files = sorted({a["path"] for a in plan.values()})
base = {p: git("show", "%s:%s" % (imported, p)) for p in files}
# replay: what each commit's tree must hold, from what the API answered
present = {}  # agent -> the text it put in
for i, commit in enumerate(chain):
    l = by_commit[commit]
    a = plan[l["agent"]]
    if a["kind"] == "clash_second":
        first = next(p for p in plan.values() if p["kind"] == "clash_first" and p["pair"] == a["pair"])
        assert first["agent"] in present, "agent %d's resolution lands after its partner" % a["agent"]
        del present[first["agent"]]
        present[a["agent"]] = a["new"] if a["resolve"] == "keep_mine" else a["resolved"]
    elif a["kind"] == "add":  # alone: another agent's function may land between it and the anchor
        present[a["agent"]] = a["new"][len(a["old"]):]
    else:
        present[a["agent"]] = a["new"]
    for p in files:
        text = git("show", "%s:%s" % (commit, p))
        for ag in plan.values():
            if ag["path"] != p:
                continue
            want = ag["agent"] in present
            got = text.count(present[ag["agent"]]) if want else 0
            assert got == (1 if want else 0), "commit %d (%s) %s: agent %d's change is there %d times, expected %d" % (i + 1, commit[:10], p, ag["agent"], got, int(want))
            taken = any(plan[o]["path"] == p and plan[o]["old"] == ag["old"] for o in present)
            if not want and ag["kind"] != "add" and not taken:
                assert text.count(ag["old"]) == 1, "commit %d %s: agent %d's function is not as imported" % (i + 1, p, ag["agent"])
        # every line of the imported file that no landed agent touched is still there
        expect = base[p]
        for ag, t in present.items():
            if plan[ag]["path"] == p and plan[ag]["kind"] != "add":
                expect = expect.replace(plan[ag]["old"], "", 1)
        for line in set(expect.splitlines()):
            if line.strip():
                assert line in text, "commit %d %s: imported line %r lost" % (i + 1, p, line)
print("ok - every landed commit's tree holds exactly the changes landed up to it, each once")
final = {p: git("show", "%s:%s" % (head, p)) for p in files}
assert "agent 16" not in final["pkg/core.py"] and final["pkg/core.py"].count("agent 17") == 1, "keep_mine resolution"
assert "agent 18" not in final["web/api.ts"] and final["web/api.ts"].count("agents 18 and 19") == 1, "content resolution"
print("ok - the clashing pairs: one resolution each in the head")
PY
    if command -v cc > /dev/null; then
        git -C "$tmp/clone" show HEAD:src/util.c > "$tmp/util.c"
        cc -fsyntax-only -w "$tmp/util.c" || fail "$label: src/util.c does not compile"
    fi
    git -C "$tmp/clone" show HEAD:pkg/core.py > "$tmp/core.py"
    python3 -m py_compile "$tmp/core.py" || fail "$label: pkg/core.py does not compile"
    echo "ok - the final files compile"
    echo "   $label: $((($(date +%s%N) - t0) / 1000000)) ms"
}

run "sqlite, verification pipeline" "$tmp/src-pipe" 1 "$tmp/data"

# PostgreSQL + Redis: the services tests/run.sh started, else our own
pg_db agents20_$$
run "postgresql + redis, no pipeline" "$tmp/src" 0 "$tmp/data-pg" "$PGDB" "$DK_TEST_REDIS_URL"
pg_db_done
echo "agents20: ok"
