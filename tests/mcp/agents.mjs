// tests/mcp/agents.mjs - many agents at once on one `dk serve` over MCP streamable
// HTTP, on the official TypeScript SDKs (tests/mcp, pinned); driven by
// tests/integration/agents20.sh, which generates the repository and the plan and
// checks the resulting git history.
//
//   node agents.mjs PLAN.json OUT.json
//
// Environment: DK_URL (the /mcp endpoint), DK_TOKEN, DK_REPO; DK_PIPELINE=1 when the
// repository has verification steps (dk_verify before each landing; the conflict of a
// pair is then reported by dk_verify, with its versions by dk_pre_submit_check).
// PLAN.json: [{agent, sdk: v1|v2, kind: edit|add|clash_first|clash_second, path,
// symbol, old, new, pair?, resolve?: keep_mine|content, resolved?}]: an agent replaces
// `old` (exactly once in the file it reads) by `new`.
//
// Every agent has its own MCP client (v1: 2025-11-25 with Mcp-Session-Id; v2:
// 2026-07-28 stateless) and session. Order is set by promises, never by sleeps:
// every agent connects and reads first (a barrier), so every session starts on
// the imported head; then all write, submit and land at once, except the second
// agent of each clashing pair, which waits for its partner's landing, writes the
// same function on its old base, expects one CONFLICT naming the symbol with the
// three versions, resolves and lands. A prober calls dk_status while landings are
// in flight. OUT.json records every acknowledged landing (agent, commit,
// changeset) for the shell script's git checks.
// Prints "ok - ..." per check; a failure prints "not ok - ..." and exits 1.
import { readFileSync, writeFileSync } from 'node:fs';

const [planFile, outFile] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, 'utf8'));
const repo = process.env.DK_REPO;
const url = new URL(process.env.DK_URL);
const token = process.env.DK_TOKEN;
const pipeline = process.env.DK_PIPELINE === '1'; // the repository has .dk/pipeline.yaml

let checks = 0;
function ok(cond, what) {
    if (!cond) {
        console.log(`not ok - ${what}`);
        process.exit(1);
    }
    checks++;
    console.log(`ok - ${what}`);
}

const V1 = {
    Client: (await import('@modelcontextprotocol/sdk/client/index.js')).Client,
    Transport: (await import('@modelcontextprotocol/sdk/client/streamableHttp.js')).StreamableHTTPClientTransport,
};
const V2mod = await import('@modelcontextprotocol/client');
const V2 = { Client: V2mod.Client, Transport: V2mod.StreamableHTTPClientTransport };

async function client(name, sdk) {
    const S = sdk === 'v1' ? V1 : V2;
    const opts = sdk === 'v2' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};
    const c = new S.Client({ name, version: '1.0.0' }, opts);
    await c.connect(new S.Transport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return c;
}

const text = (r) => (r.content || []).map((b) => b.text || '').join('\n');
const errCode = (r) => r._meta?.['dev.dk/error']?.code;
const errOf = (r) => r._meta?.['dev.dk/error'];
const count = (hay, needle) => hay.split(needle).length - 1;

// A deferred: resolve/reject from outside (the barrier, a partner's landing).
function deferred() {
    let res, rej;
    const p = new Promise((a, b) => {
        res = a;
        rej = b;
    });
    return { p, res, rej };
}

const landings = []; // every acknowledged landing, in the order the answers came
let inflight = 0; // landings (dk_merge / dk_resolve) sent and not yet answered
let stormDone = false;
let tick = deferred(); // resolved at each landing answer (and at the end of the storm)
const landStarted = deferred();
const connected = deferred();
let nconnected = 0;
const partnerLanded = new Map(); // pair -> deferred of the first agent's landing

for (const a of plan) if (a.kind === 'clash_first') partnerLanded.set(a.pair, deferred());

async function land(c, a, sid, toolName, args) {
    inflight++;
    landStarted.res();
    try {
        return await c.callTool({ name: toolName, arguments: a.sdk === 'v1' ? args : { ...args, session_id: sid } });
    } finally {
        inflight--;
        const t = tick;
        tick = deferred();
        t.res();
    }
}

async function agent(a) {
    const name = `agent-${String(a.agent).padStart(2, '0')}`;
    const c = await client(name, a.sdk);
    const call = (tool, args = {}) => c.callTool({ name: tool, arguments: a.sdk === 'v1' ? args : { ...args, session_id: sid } });
    let r = await c.callTool({
        name: 'dk_connect',
        arguments: { repo, intent: `${a.kind} ${a.symbol} in ${a.path}`, agent_id: name, agent_name: name },
    });
    ok(!r.isError, `${name}: dk_connect (${text(r).split('\n')[0]})`);
    const sid = r.structuredContent.session_id;
    const base = r.structuredContent.base_commit;
    r = await call('dk_file_read', { path: a.path });
    ok(!r.isError, `${name}: dk_file_read ${a.path}`);
    const before = r.structuredContent.content;
    ok(count(before, a.old) === 1, `${name}: the text to change is in ${a.path} once`);
    if (++nconnected === plan.length) connected.res();
    await connected.p; // every session is on the imported head before anything lands

    if (a.kind === 'clash_second') await partnerLanded.get(a.pair).p;
    // STALE_OVERLAY: another session's submitted changeset changes this path since this
    // session read it; as its recovery says, read the path again, then write (bounded)
    let stale = 0;
    for (;;) {
        r = await call('dk_file_write', { path: a.path, content: before.replace(a.old, a.new) });
        if (!r.isError || errCode(r) !== 'STALE_OVERLAY' || stale === 20) break;
        stale++;
        const again = await call('dk_file_read', { path: a.path });
        ok(!again.isError && again.structuredContent.content === before,
            `${name}: STALE_OVERLAY (${errOf(r).details?.changeset_id}), read again: the session still sees its base`);
    }
    ok(!r.isError, `${name}: dk_file_write ${a.path} (${errCode(r) ?? text(r).split('\n')[0]}${stale ? `, after ${stale} stale` : ''})`);
    const syms = r.structuredContent.symbols.map((s) => `${s.symbol}:${s.change}`);
    ok(syms.includes(`${a.symbol}:${a.kind === 'add' ? 'added' : 'modified'}`),
        `${name}: the write names ${a.symbol} (${syms.join(', ')})`);
    r = await call('dk_status');
    ok(!r.isError && r.structuredContent.files_changed === 1 && r.structuredContent.base_commit === base,
        `${name}: dk_status: one file changed, still on its base`);
    r = await call('dk_submit');
    ok(!r.isError && r.structuredContent.state === 'submitted', `${name}: dk_submit (${errCode(r) ?? r.structuredContent.state})`);
    const cs = r.structuredContent.changeset_id;
    // with a pipeline: verified (approved) before it lands; dk_merge verifies again
    // when the head moved meanwhile
    const verify = async () => {
        r = await call('dk_verify');
        ok(!r.isError && r.structuredContent.passed === true && r.structuredContent.state === 'approved',
            `${name}: dk_verify approves (${r.isError ? errCode(r) : r.structuredContent.state})`);
    };
    if (pipeline && a.kind !== 'clash_second') await verify();

    if (a.kind !== 'clash_second') {
        r = await land(c, a, sid, 'dk_merge', { message: `${name}: ${a.kind} ${a.symbol}` });
        ok(!r.isError && /^[0-9a-f]{40}$/.test(r.structuredContent.commit),
            `${name}: dk_merge lands (${r.isError ? `${errCode(r)}: ${text(r).slice(0, 400)}` : r.structuredContent.commit})`);
        ok(r.structuredContent.landed_changeset_id === cs, `${name}: the landing names changeset ${cs}`);
        landings.push({ agent: a.agent, commit: r.structuredContent.commit, changeset: cs, via: 'merge' });
        if (a.kind === 'clash_first') partnerLanded.get(a.pair).res();
    } else {
        let conflicts;
        if (pipeline) {
            // the verification reports the conflict and rejects; the dry run gives the versions
            r = await call('dk_verify');
            ok(!r.isError && r.structuredContent.passed === false && r.structuredContent.state === 'rejected',
                `${name}: dk_verify rejects (${r.isError ? errCode(r) : r.structuredContent.state})`);
            const vc = r.structuredContent.conflicts;
            ok(vc.length === 1 && vc[0].path === a.path && vc[0].qualified_name === a.symbol,
                `${name}: the verification names the conflict ${a.path} ${a.symbol} (${JSON.stringify(vc)})`);
            r = await call('dk_pre_submit_check');
            ok(!r.isError && r.structuredContent.clean === false, `${name}: dk_pre_submit_check is not clean`);
            conflicts = r.structuredContent.conflicts;
        } else {
            r = await land(c, a, sid, 'dk_merge', { message: `${name}: ${a.kind} ${a.symbol}` });
            ok(r.isError && errCode(r) === 'CONFLICT', `${name}: dk_merge conflicts (${errCode(r) ?? 'landed'})`);
            ok(text(r).includes(a.symbol) && /dk_resolve/.test(text(r)), `${name}: the conflict text names ${a.symbol} and dk_resolve`);
            conflicts = errOf(r).details.conflicts;
        }
        ok(conflicts.length === 1, `${name}: exactly one conflict (${conflicts.map((x) => `${x.path}:${x.symbol}`)})`);
        const k = conflicts[0];
        ok(k.path === a.path && k.symbol === a.symbol, `${name}: the conflict is ${a.path} ${a.symbol} (${k.path} ${k.symbol})`);
        const first = plan.find((p) => p.kind === 'clash_first' && p.pair === a.pair);
        ok(k.base.includes(a.old.trim()) && k.theirs.includes(first.new.trim()) && k.mine.includes(a.new.trim()),
            `${name}: the conflict carries base, theirs (${first.agent}'s) and mine versions`);
        const res = { path: a.path, symbol: k.symbol, action: a.resolve };
        if (a.resolve === 'content') res.content = a.resolved;
        r = await land(c, a, sid, 'dk_resolve', { resolutions: [res], message: `${name}: resolves ${a.symbol}` });
        ok(!r.isError && r.structuredContent.session_id === sid && r.structuredContent.changeset_id === cs,
            `${name}: dk_resolve ${a.resolve} keeps the session and changeset (${r.isError ? `${errCode(r)}: ${text(r).slice(0, 400)}` : ''})`);
        if (pipeline) {
            ok(r.structuredContent.landed === false && /approv|verif/.test(r.structuredContent.note ?? ''),
                `${name}: dk_resolve leaves the landing to verification (${r.structuredContent.note})`);
            await verify();
            r = await land(c, a, sid, 'dk_merge', { message: `${name}: resolves ${a.symbol}` });
            ok(!r.isError, `${name}: dk_merge lands the resolution (${r.isError ? `${errCode(r)}: ${text(r).slice(0, 400)}` : r.structuredContent.commit})`);
        } else {
            ok(r.structuredContent.landed === true, `${name}: dk_resolve lands`);
        }
        ok(/^[0-9a-f]{40}$/.test(r.structuredContent.commit), `${name}: the resolution landed as ${r.structuredContent.commit}`);
        landings.push({ agent: a.agent, commit: r.structuredContent.commit, changeset: cs, via: 'resolve' });
    }
    // the session continues on the head its landing made: its change is there
    r = await call('dk_file_read', { path: a.path });
    // an added function is checked alone: another agent's may land between it and the anchor
    const want = a.kind === 'clash_second' && a.resolve === 'content' ? a.resolved
        : a.kind === 'add' ? a.new.slice(a.old.length) : a.new;
    ok(!r.isError && count(r.structuredContent.content, want) === 1, `${name}: reads its change once after landing`);
    r = await call('dk_close');
    ok(!r.isError, `${name}: dk_close`);
    await c.close();
}

// dk_status on a session of its own once per landing answer while the storm runs; at
// least one call must be sent and answered with landings in flight on both ends.
async function prober() {
    const c = await client('prober', 'v2');
    let r = await c.callTool({ name: 'dk_connect', arguments: { repo, intent: 'watch the storm', agent_id: 'prober' } });
    ok(!r.isError, 'prober: dk_connect');
    const sid = r.structuredContent.session_id;
    await landStarted.p;
    let answered = 0, during = 0, worst = 0;
    while (!stormDone) {
        const busy = inflight > 0;
        const t0 = Date.now();
        r = await c.callTool({ name: 'dk_status', arguments: { session_id: sid } });
        if (r.isError || r.structuredContent.session_id !== sid) ok(false, `prober: dk_status: ${errCode(r)} ${text(r)}`);
        worst = Math.max(worst, Date.now() - t0);
        answered++;
        if (busy && inflight > 0) during++;
        if (!stormDone) await tick.p; // the next landing answer (or the end)
    }
    r = await c.callTool({ name: 'dk_close', arguments: { session_id: sid } });
    ok(!r.isError, 'prober: dk_close');
    await c.close();
    return { answered, during, worst };
}

const t0 = Date.now();
const probe = prober();
const results = await Promise.allSettled(plan.map((a) => agent(a)));
stormDone = true;
tick.res();
landStarted.res();
for (const [i, x] of results.entries())
    if (x.status === 'rejected') ok(false, `agent ${plan[i].agent}: ${x.reason?.stack || x.reason}`);
const p = await probe;
ok(p.during >= 1, `dk_status answered ${p.answered} times, ${p.during} with landings in flight on both ends (slowest ${p.worst} ms)`);
ok(landings.length === plan.length, `${landings.length} landings acknowledged for ${plan.length} agents`);
ok(new Set(landings.map((l) => l.commit)).size === landings.length, 'every landing made its own commit');
writeFileSync(outFile, JSON.stringify({ landings, ms: Date.now() - t0 }, null, 1));
console.log(`agents: ${checks} checks, ${Date.now() - t0} ms`);
process.exit(0);
