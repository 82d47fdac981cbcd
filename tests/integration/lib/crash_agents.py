#!/usr/bin/env python3
"""tests/integration/lib/crash_agents.py - the agents and the killer of
tests/integration/crash_restart.sh.

    crash_agents.py --dk DK --repo R --pipeline 0|1 --out RESULT.json --logs DIR
                    [--seed N] [--kills N] -- SERVE_ARGS...

Starts `dk serve SERVE_ARGS --listen 127.0.0.1:0`, then restarts it on the
same port after each kill. Ten agents (threads), each with one session,
land three changes each: agent i, round r changes `return y + K` of its own
function in pkg/{a,b,c}.py (round r: file "abc"[r]) to carry the tag
`crash-aII-rR`. A request that gets no answer (the server died) leaves the
outcome unknown; the agent then asks the server what happened (status, the
file through its session) and continues from there, as an agent would. A
killer kills the server with SIGKILL at a random moment while a landing is in
flight, KILLS times, and restarts it. At the end: a new session lands on the
first try; every session ever created answers status 200 or 404
SESSION_NOT_FOUND; no answer was a 5xx (BUSY aside); the last server exits 0
on SIGTERM with no sanitizer report in any server's stderr.

RESULT.json: {"acked": [{agent, round, tag, commit, changeset}], "tags": [...],
"sessions": [...], "reads": [[session, path]...], "kills": N}; "reads" are the
file_reads sent since each session's last acknowledged landing (the read marks
the store may keep). Exit 1 with "not ok - ..." on a failure.
"""
import argparse
import collections
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

AGENTS = 10
ROUNDS = 3
FILES = "abc"

ap = argparse.ArgumentParser()
ap.add_argument("--dk", required=True)
ap.add_argument("--repo", required=True)
ap.add_argument("--pipeline", type=int, default=0)
ap.add_argument("--out", required=True)
ap.add_argument("--logs", required=True)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--kills", type=int, default=5)  # more to hunt a rare failure (CRASH_KILLS)
ap.add_argument("serve", nargs="*")
args = ap.parse_args()
KILLS = args.kills
seed = args.seed if args.seed is not None else random.randrange(1 << 30)
rng = random.Random(seed)
print("seed %d (CRASH_SEED=%d reproduces the kill moments)" % (seed, seed), flush=True)
os.makedirs(args.logs, exist_ok=True)
data_dir = args.serve[args.serve.index("--data") + 1]
token = None  # written by the first `dk serve`

lock = threading.Lock()
failures = []
crashed = set()  # servers that exited by themselves (their stderr is shown)


def fail(what):
    with lock:
        failures.append(what)
    print("not ok - " + what, flush=True)


# ---- the server ---------------------------------------------------------------------
class Server:
    def __init__(self):
        self.proc = None
        self.port = 0
        self.url = None
        self.up = threading.Event()
        self.n = 0
        self.cv = threading.Condition()
        self.inflight = 0  # landings sent and not yet answered
        self.kills = 0

    def start(self):
        self.n += 1
        out = os.path.join(args.logs, "serve.%d.out" % self.n)
        err = open(os.path.join(args.logs, "serve.%d.err" % self.n), "w")
        for attempt in range(100):
            self.proc = subprocess.Popen([args.dk, "serve", "--listen", "127.0.0.1:%d" % self.port] + args.serve,
                                         stdout=open(out, "w"), stderr=err)
            deadline = time.time() + 60
            while time.time() < deadline and self.proc.poll() is None:
                if os.path.getsize(out) > 0:
                    break
                time.sleep(0.05)
            if self.proc.poll() is None and os.path.getsize(out) > 0:
                break
            # the port may still be held a moment after a kill: try again
            self.proc.dk_killed = True
            self.proc.kill()
            self.proc.wait()
            time.sleep(0.1)
        else:
            fail("dk serve did not start (%s)" % err.name)
            sys.exit(1)
        global token
        token = open(os.path.join(data_dir, "admin.token")).read().strip()
        self.url = open(out).readline().strip()
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        self.up.set()

    def kill(self):
        # marked first: a request this kill leaves unanswered sees the mark (call)
        self.proc.dk_killed = True
        self.up.clear()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def stop(self):
        self.proc.dk_killed = True  # stopped, not crashed
        self.up.clear()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -1


srv = Server()


def call(op, body, timeout=120):
    """POST /v1/op. (status, json) or None when no answer came because the killer
    killed the server. No answer from a server the killer did not kill is a
    failure: it exited by itself (a crash), or it is running and dropped the
    request or did not answer within the timeout."""
    if not srv.up.wait(timeout=120):
        fail("the server stayed down")
        return None
    proc, n = srv.proc, srv.n
    req = urllib.request.Request(srv.url + "/v1/" + op, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (OSError, urllib.error.URLError) as ex:
        if not getattr(proc, "dk_killed", False):
            rc = proc.poll()
            if rc is not None:
                crashed.add(n)
                fail("%s: no answer: server %d exited by itself with status %d (not killed)" % (op, n, rc))
            else:
                fail("%s: no answer from server %d, which is running and was not killed: %r" % (op, n, ex))
        return None
    try:
        j = json.loads(raw) if raw else {}
    except ValueError:
        fail("%s: answer is not JSON (%d): %r" % (op, status, raw[:200]))
        return None
    if status >= 500 and (j.get("error") or {}).get("code") != "BUSY":
        fail("%s answered %d: %s" % (op, status, json.dumps(j)[:400]))
    return status, j


def code(ans):
    return (ans[1].get("error") or {}).get("code") if ans and ans[0] >= 400 else None


# ---- the agents ---------------------------------------------------------------------
acked = []
sessions = []
done_agents = [0]


def change(i, r):
    f = FILES[r]
    k = i * ROUNDS + r  # function number: distinct per (agent, round) within the file
    old = "    return y + %d\n" % k
    tag = "crash-a%02d-r%d" % (i, r)
    return "pkg/%s.py" % f, old, "    return y + %d + 1  # %s\n" % (k, tag), tag


class Agent:
    def __init__(self, i):
        self.i = i
        self.sid = None
        self.name = "agent-%02d" % i
        self.log = []
        self.trail = collections.deque(maxlen=16)  # the last answers, for a failure's report
        self.step = 0  # the current round's step
        self.steps = []  # the steps each finished round took
        self.answers = collections.Counter()  # "op status code" of every answer
        self.reads = set()  # (session, path) read since the session's last acknowledged landing

    def note(self, msg):
        self.log.append(msg)

    def connect(self):
        for _ in range(200):
            a = call("connect", {"repo": args.repo, "intent": "crash test", "agent_id": self.name,
                                 "agent_name": self.name})
            if a and a[0] == 200:
                self.sid = a[1]["session_id"]
                with lock:
                    sessions.append(self.sid)
                return
            if a and code(a) not in ("BUSY", "INTERNAL"):
                fail("%s: connect: %s" % (self.name, json.dumps(a[1])[:300]))
                return
            if code(a) == "BUSY":
                time.sleep(0.25)
        fail("%s: connect kept failing" % self.name)

    def s(self, op, body=None, timeout=120):
        b = dict(body or {})
        b["session_id"] = self.sid
        if op == "file_read":
            self.reads.add((self.sid, b["path"]))
        a = call(op, b, timeout)
        if op == "land" and a and a[0] == 200:
            self.reads = {(sid, p) for sid, p in self.reads if sid != b["session_id"]}
        if a is None:
            self.answers["%s none" % op] += 1
            self.trail.append("%s: no answer" % op)
        else:
            err = a[1].get("error") or {}
            self.answers["%s %d %s" % (op, a[0], err.get("code", ""))] += 1
            self.trail.append("%s: %d %s %s" % (op, a[0], err.get("code", ""), (err.get("message") or "")[:160]))
        if code(a) == "BUSY":
            # "try again", after a pause as a client does: a ref lock a killed server left
            # is taken over once DK_GIT_STALE_LOCK_S (10 s) old, well within the 400 steps
            time.sleep(0.25)
        if a and a[0] == 404 and code(a) in ("SESSION_NOT_FOUND", "NOT_FOUND"):
            self.note("%s: session %s gone: %s" % (op, self.sid, a[1]["error"].get("message")))
            self.sid = None
        return a

    def landed_already(self, path, tag):
        """The tag is in the session's base and the session changes nothing: it landed."""
        st = self.s("status")
        if not st or st[0] != 200:
            return None
        rd = self.s("file_read", {"path": path})
        if not rd or rd[0] != 200:
            return None
        return tag in rd[1]["content"] and st[1]["files_changed"] == 0

    def round(self, r):
        path, old, new, tag = change(self.i, r)
        phase = "write"
        cs = None
        for step in range(400):
            if failures:
                return
            self.step = step
            if self.sid is None:
                self.connect()
                phase = "write"
                if self.sid is None:
                    return
            if phase == "write":
                rd = self.s("file_read", {"path": path})
                if not rd:
                    continue
                if rd[0] != 200:
                    if self.sid is not None:
                        fail("%s: file_read: %s" % (self.name, json.dumps(rd[1])[:300]))
                        return
                    continue
                text = rd[1]["content"]
                if tag in text:
                    st = self.s("status")
                    if not st or st[0] != 200:
                        continue
                    if st[1]["files_changed"] == 0:
                        self.note("round %d landed without an answer" % r)
                        return  # landed, the answer was lost
                    phase = "submit"
                    continue
                if text.count(old) != 1:
                    fail("%s: %r is in %s %d times" % (self.name, old, path, text.count(old)))
                    return
                w = self.s("file_write", {"path": path, "content": text.replace(old, new)})
                if w and w[0] == 200:
                    phase = "submit"
                elif w and code(w) in ("STALE_OVERLAY", "BUSY"):
                    pass  # read again (the read marks the path), write again
                elif w and self.sid is not None:
                    fail("%s: file_write: %s" % (self.name, json.dumps(w[1])[:300]))
                    return
            elif phase == "submit":
                a = self.s("submit")
                if a and a[0] == 200:
                    cs = a[1]["changeset_id"]
                    phase = "verify" if args.pipeline else "land"
                elif a and code(a) == "INVALID_STATE":
                    st = self.s("status")  # submitted already (the answer was lost)?
                    if st and st[0] == 200 and st[1]["changeset_state"] in ("submitted", "approved", "rejected"):
                        cs = st[1]["changeset_id"]
                        phase = "verify" if args.pipeline else "land"
                    elif st and st[0] == 200 and st[1]["files_changed"] == 0:
                        phase = "write"
                    elif st and st[0] == 200:
                        fail("%s: submit refused: %s; status %s" % (self.name, json.dumps(a[1])[:300], json.dumps(st[1])))
                        return
                elif a and self.sid is not None and code(a) != "BUSY":
                    fail("%s: submit: %s" % (self.name, json.dumps(a[1])[:300]))
                    return
            elif phase == "verify":
                a = self.s("verify")
                if a and a[0] == 200:
                    if a[1].get("state") == "approved":
                        phase = "land"
                    else:
                        fail("%s: verify: %s" % (self.name, json.dumps(a[1])[:400]))
                        return
                elif a and code(a) == "INVALID_STATE":
                    st = self.s("status")
                    if st and st[0] == 200 and st[1]["changeset_state"] == "approved":
                        phase = "land"
                    elif st and st[0] == 200:
                        fail("%s: verify refused: %s; status %s" % (self.name, json.dumps(a[1])[:300], json.dumps(st[1])))
                        return
                elif a and self.sid is not None and code(a) != "BUSY":
                    fail("%s: verify: %s" % (self.name, json.dumps(a[1])[:300]))
                    return
            elif phase == "land":
                with srv.cv:
                    srv.inflight += 1
                    srv.cv.notify_all()
                try:
                    a = self.s("land", {"message": "%s: %s" % (self.name, tag)}, timeout=300)
                finally:
                    with srv.cv:
                        srv.inflight -= 1
                if a and a[0] == 200:
                    with lock:
                        acked.append({"agent": self.i, "round": r, "tag": tag, "commit": a[1]["commit"],
                                      "changeset": a[1].get("landed_changeset_id")})
                    if a[1].get("landed_changeset_id") != cs:
                        fail("%s: land names %s, submitted %s" % (self.name, a[1].get("landed_changeset_id"), cs))
                    return
                if a and code(a) in ("INVALID_STATE", "STALE_OVERLAY"):
                    got = self.landed_already(path, tag)
                    if got:
                        self.note("round %d landed without an answer" % r)
                        return
                    st = self.s("status")
                    if st and st[0] == 200 and st[1]["changeset_state"] in ("submitted", "rejected", "draft"):
                        phase = "verify" if args.pipeline and st[1]["changeset_state"] != "draft" else "submit"
                    elif st and st[0] == 200 and st[1]["changeset_state"] != "approved":
                        fail("%s: land refused: %s; status %s" % (self.name, json.dumps(a[1])[:400], json.dumps(st[1])))
                        return
                elif a and self.sid is not None and code(a) != "BUSY":
                    fail("%s: land: %s" % (self.name, json.dumps(a[1])[:400]))
                    return
        fail("%s: round %d did not finish; its last answers:\n      %s" % (self.name, r, "\n      ".join(self.trail)))

    def run(self):
        try:
            self.connect()
            for r in range(ROUNDS):
                self.round(r)
                self.steps.append(self.step + 1)
        except Exception as ex:  # noqa: BLE001 - a driver bug is a failure too
            fail("%s: %r" % (self.name, ex))
        finally:
            with srv.cv:
                done_agents[0] += 1
                srv.cv.notify_all()


def killer():
    for k in range(KILLS):
        with srv.cv:
            while srv.inflight == 0 and done_agents[0] < AGENTS:
                srv.cv.wait()
            if done_agents[0] >= AGENTS:
                return
        time.sleep(rng.uniform(0, 0.2))
        if done_agents[0] >= AGENTS:
            return
        srv.kill()
        print("   kill %d (server %d, %d landings acknowledged so far)" % (k + 1, srv.n, len(acked)), flush=True)
        time.sleep(rng.uniform(0, 0.3))
        srv.start()


srv.start()
agents = [Agent(i) for i in range(AGENTS)]
threads = [threading.Thread(target=a.run) for a in agents]
kt = threading.Thread(target=killer)
for t in threads + [kt]:
    t.start()
for t in threads + [kt]:
    t.join()
for a in agents:
    for m in a.log:
        print("   %s: %s" % (a.name, m))
if srv.kills < 2:
    fail("only %d kills happened" % srv.kills)
else:
    print("ok - %d kills in the middle of landings, %d landings acknowledged" % (srv.kills, len(acked)))

# a new landing after the restarts (no session or landing lock stuck)
if not failures:
    fresh = Agent(AGENTS)
    fresh.connect()
    path, old = "pkg/a.py", "    return y + 39\n"
    rd = fresh.s("file_read", {"path": path})
    ok = rd and rd[0] == 200
    w = ok and fresh.s("file_write", {"path": path, "content": rd[1]["content"].replace(old, "    return y + 40  # crash-fresh\n")})
    ok = w and w[0] == 200
    sb = ok and fresh.s("submit")
    ok = sb and sb[0] == 200
    if ok and args.pipeline:
        v = fresh.s("verify")
        ok = v and v[0] == 200 and v[1].get("state") == "approved"
    ld = ok and fresh.s("land", {"message": "fresh: crash-fresh"})
    if ld and ld[0] == 200:
        acked.append({"agent": AGENTS, "round": 0, "tag": "crash-fresh", "commit": ld[1]["commit"],
                      "changeset": ld[1].get("landed_changeset_id")})
        print("ok - a new session lands after the restarts")
    else:
        fail("a new session does not land after the restarts")

# every session ever created answers, with 200 or a clear 404
bad = []
for sid in sessions:
    a = call("status", {"session_id": sid})
    if not a or not (a[0] == 200 or (a[0] == 404 and code(a) == "SESSION_NOT_FOUND")):
        bad.append((sid, a))
if bad:
    fail("sessions that do not answer status: %s" % bad[:5])
else:
    print("ok - all %d sessions answer status (200 or 404 SESSION_NOT_FOUND)" % len(sessions))

rc = srv.stop()
if rc != 0:
    fail("the last dk serve exited %d on SIGTERM" % rc)
for n in range(1, srv.n + 1):
    err = open(os.path.join(args.logs, "serve.%d.err" % n), errors="replace").read()
    m = re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", err)
    if m and (n == srv.n or "LeakSanitizer" not in m.group(0)):
        fail("sanitizer report from server %d:\n%s" % (n, err[m.start() - 200:m.start() + 3000]))
if failures:
    for n in sorted(crashed | set(range(max(1, srv.n - 1), srv.n + 1))):
        err = open(os.path.join(args.logs, "serve.%d.err" % n), errors="replace").read().splitlines()
        print("   server %d stderr (last lines, info left out):" % n)
        for line in [x for x in err if " level=info " not in x][-15:]:
            print("     " + line)
    sys.exit(1)
# how close the rounds came to their bound of 400 steps, and what the answers were
most = max((n, a.name, r) for a in agents for r, n in enumerate(a.steps))
answers = collections.Counter()
for a in agents:
    answers.update(a.answers)
print("   most steps in a round: %d (%s round %d); answers: %s" % (most + (", ".join(
    "%s x%d" % (k, n) for k, n in sorted(answers.items())),)))
errs = [open(os.path.join(args.logs, "serve.%d.err" % n), errors="replace").read() for n in range(1, srv.n + 1)]
recovered = sum(e.count("recorded now") for e in errs)
reaped = sum(e.count("a process died while writing the ref") for e in errs)
print("ok - no 5xx answer; the last server stopped cleanly; no sanitizer report "
      "(%d landings found on the branch unrecorded and recorded on retry; %d ref locks a killed "
      "server left removed)" % (recovered, reaped))
json.dump({"acked": acked, "tags": ["crash-a%02d-r%d" % (i, r) for i in range(AGENTS) for r in range(ROUNDS)]
           + ["crash-fresh"], "sessions": sessions,
           "reads": sorted(set().union(*(a.reads for a in agents + [fresh]))),
           "kills": srv.kills}, open(args.out, "w"), indent=1)
