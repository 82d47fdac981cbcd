#!/bin/sh
# tests/integration/serve_watch_repos.sh - SSE watchers on several
# repositories: three idle repositories are watched first (the hub once
# blocked on the first-watched one), then "demo" and "ref"; each round writes
# in demo and connects a session on ref. Every watcher gets exactly its own
# repository's matching events, in id order, none twice, none to the idle
# ones; the heartbeat is a minute, so no ping round delivers them. How fast
# the last of many repositories is woken is measured by bench/bench_sse.c
# (no timed assertion here); the engine hook the hub waits on is tested in
# tests/unit/engine_ws.c (events_notify_hook).
. "$(dirname "$0")/lib/serve_env.sh"
for r in idle1 idle2 idle3 ref; do "$DK" repo init "$r" --data "$tmp/data" >/dev/null; done
serve_start --heartbeat-ms 60000

connect alice
python3 -S - "$HOSTPORT" "$TOKEN" "$SID" "$tmp/src/app.py" > "$tmp/watchers" 2> "$tmp/watchers.err" <<'PY' || fail "watchers: $(cat "$tmp/watchers.err")"
import http.client, json, select, socket, sys, time

hostport, token, sid, app_path = sys.argv[1:5]
host, port = hostport.rsplit(":", 1)
ROUNDS = 5

def watch(repo, types):
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(("GET /v1/watch?repo=%s&types=%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
               "Accept: text/event-stream\r\n\r\n" % (repo, types, hostport, token)).encode())
    return {"repo": repo, "sock": s, "buf": b"", "events": []}

def pump(watchers, until, timeout=20.0):
    """Read every stream until until() holds; record (repo, event type, id) in arrival order."""
    end = time.monotonic() + timeout
    while not until():
        left = end - time.monotonic()
        if left <= 0:
            raise SystemExit("timed out; seen: %r" % [(w["repo"], w["events"]) for w in watchers])
        ready, _, _ = select.select([w["sock"] for w in watchers], [], [], left)
        for w in watchers:
            if w["sock"] not in ready:
                continue
            data = w["sock"].recv(65536)
            if not data:
                raise SystemExit("stream of %s closed" % w["repo"])
            w["buf"] += data
            # chunked framing: an event never spans a chunk (one chunk per read callback)
            while b"\n\n" in w["buf"]:
                block, w["buf"] = w["buf"].split(b"\n\n", 1)
                fields = dict(l.split(": ", 1) for l in block.decode().splitlines()
                              if ": " in l and not l.startswith(":"))
                if "event" in fields and "id" in fields:
                    arrival.append((w["repo"], fields["event"], int(fields["id"])))
                    w["events"].append((fields["event"], int(fields["id"])))

def post(op, body):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("POST", "/v1/" + op, json.dumps(body),
              {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    out = json.loads(r.read())
    c.close()
    if r.status != 200:
        raise SystemExit("%s: %d %s" % (op, r.status, out))
    return out

arrival = []
idle = [watch("idle%d" % i, "*") for i in (1, 2, 3)]
# each idle stream answers its preamble, then its watcher joins the hub first
for w in idle:
    w["sock"].settimeout(30)
    while b": dk watch" not in w["buf"]:
        w["buf"] += w["sock"].recv(4096)
    w["buf"] = b""
time.sleep(0.3)
demo = watch("demo", "file.written")
ref = watch("ref", "session.connected")
time.sleep(0.3)
watchers = idle + [demo, ref]
src = open(app_path).read()
for k in range(ROUNDS):
    before = len(arrival)
    post("file_write", {"session_id": sid, "path": "app.py",
                        "content": src.replace("return x + 1", "return x * %d" % (k + 2))})
    post("connect", {"repo": "ref", "intent": "reference %d" % k, "agent_id": "ref%d" % k})
    pump(watchers, lambda: len(demo["events"]) == k + 1 and len(ref["events"]) == k + 1)
    got = sorted(a[0] for a in arrival[before:])
    if got != ["demo", "ref"]:
        raise SystemExit("round %d: got %s, want one event each for demo and ref" % (k, got))
for w in idle:
    if w["events"]:
        raise SystemExit("idle watcher %s got %r" % (w["repo"], w["events"]))
for w in (demo, ref):
    ids = [i for _, i in w["events"]]
    if len(ids) != len(set(ids)) or ids != sorted(ids):
        raise SystemExit("%s: ids %r" % (w["repo"], ids))
print("ok")
PY
grep -q '^ok$' "$tmp/watchers" || fail "watchers: $(cat "$tmp/watchers")"
serve_finish
echo "serve_watch_repos: ok"
