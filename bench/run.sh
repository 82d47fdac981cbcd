#!/bin/sh
# bench/run.sh O - the merge benchmark (`make bench` runs it on build/release).
#
#   1. generate the corpus (bench/gen_corpus.py) into $O/bench-corpus:
#      Python, C, Go, TypeScript files of ~100, 500 and 2,000 lines and three
#      scenarios on each (disjoint / adjacent / conflict, see the script);
#   2. in process: dk_merge_file against dk_git_merge_file (git's line merge)
#      on the same inputs, p50 and p95 per scenario (bench/bench_merge.c);
#   2b. the floor: one full tree-sitter parse of base alone (no dk analysis),
#      p50 in process against git's whole merge and the 5 ms target, on the
#      2,000-line scenarios (bench/bench_parse.c);
#   3. whole process: `dk merge-file -p` against `git merge-file -p`, p50 of
#      repeated runs (bench/proc_bench.py; hyperfine when installed);
#   3b. the same on real merges: up to 60 files that both parents of a real
#      merge changed and git merges cleanly, from the C, Python, Rust, Go and
#      JS/TS snapshots under /work/.mirror (bench/replay_bench.py; skipped when
#      none is there): p50 of per-scenario ratios, the target's own definition;
#   4. growth: whole-process time and peak memory from 1k to 300k lines, on the
#      path where git merges cleanly and on the structured path (bench/growth.py);
#      with BENCH_INSTR=1 also the floor in instructions: one full parse of base
#      against git's whole merge, Python, C, Go, Rust and TypeScript, 2k-80k lines;
#   5. landing through the engine: 32 sessions changing different functions
#      of one file, time per landing against the fast path (bench/bench_land.c;
#      exits non-zero if a landing conflicts or loses a change);
#   6. code context: index build of a generated 10,000-file repository,
#      incremental update of one file, query p50/p99 at 100,000 symbols
#      (bench/bench_context.c; BENCH_CONTEXT_FILES changes the size);
#   7. verification: the second materialisation of a 10,000-file tree after a
#      one-file change, wall and CPU time (bench/bench_verify.c; target under
#      50 ms; exits non-zero if it writes anything but the one file);
#   8. the workspace engine: session create on 10,000 files vs `git worktree
#      add`, 100 vs 100,000 files, memory per live session with 10 written
#      files, 16 threads x 1,000 write+read on distinct sessions, listing
#      (bench/bench_ws.c);
#   9. the protocol: file_read over keep-alive against GET /healthz and a bare
#      libmicrohttpd answer, 1,000 SSE watchers receiving a burst of events
#      (bench/serve_bench.sh: bench_http.c, bench_sse.c).
# Prints ratios against git measured in the same run; exits 0 whatever the
# numbers (no timed assertions). BENCH_RUNS sets the whole-process run count.
set -eu
cd "$(dirname "$0")/.."
O=${1:-build/release}
corpus=$O/bench-corpus
rm -rf "$corpus"
python3 bench/gen_corpus.py "$corpus"
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc -o "$O/bench_merge" bench/bench_merge.c \
    "$O/libdk.a" build/ts/libtsgrammars.a \
    $(pkg-config --libs libgit2 jansson 2>/dev/null || echo -lgit2 -ljansson) -lpthread -lm
dirs=$(ls "$corpus" | sort -t- -k1,1 -k2,2n -k3,3 | sed "s:^:$corpus/:")
echo "== in process: dk_merge_file vs dk_git_merge_file (git's xdiff line merge) =="
"$O/bench_merge" $dirs
echo
echo "== the floor: one full tree-sitter parse of base vs git's merge and 5 ms (bench/bench_parse.c) =="
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc \
    -Ithird_party/node_modules/tree-sitter/vendor/tree-sitter/lib/include \
    -o "$O/bench_parse" bench/bench_parse.c "$O/libdk.a" build/ts/libtsgrammars.a \
    $(make -s --no-print-directory print-libs)
"$O/bench_parse" $(echo "$dirs" | tr ' ' '\n' | grep -- '-2000-')
echo
echo "== whole process: dk merge-file -p vs git merge-file -p =="
python3 bench/proc_bench.py "$O/dk" $dirs
echo
echo "== whole process on real git-clean merges (bench/replay_bench.py) =="
python3 bench/replay_bench.py --dk "$O/dk" --out "$O/replay-corpus" --limit 60 \
    $( [ "${BENCH_INSTR:-}" = 1 ] && echo --instr )
echo
echo "== growth: 1k to 300k lines, git-clean and structured paths (bench/growth.py) =="
python3 bench/growth.py "$O/dk"
if [ "${BENCH_INSTR:-}" = 1 ]; then
    python3 bench/growth.py --lang py,c,go,rs,ts --floor "$O/dk" 2000 10000 80000
fi
echo
echo "== landing through the engine: 32 sessions x one file (bench/bench_land.c) =="
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc -o "$O/bench_land" bench/bench_land.c \
    "$O/libdk.a" build/ts/libtsgrammars.a $(make -s --no-print-directory print-libs)
"$O/bench_land" 32 8
"$O/bench_land" 32 40
echo
echo "== code context: index build, one-file update, queries (bench/bench_context.c) =="
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc -o "$O/bench_context" bench/bench_context.c \
    "$O/libdk.a" build/ts/libtsgrammars.a $(make -s --no-print-directory print-libs)
"$O/bench_context" "${BENCH_CONTEXT_FILES:-10000}"
echo
echo "== verification: scratch materialisation, 10,000 files, one-file change (bench/bench_verify.c) =="
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc -o "$O/bench_verify" bench/bench_verify.c \
    "$O/libdk.a" build/ts/libtsgrammars.a $(make -s --no-print-directory print-libs)
"$O/bench_verify" 10000 9 "$O/bench-verify"
echo
echo "== workspace engine: session create, memory per session, 16 threads (bench/bench_ws.c) =="
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude -Isrc -o "$O/bench_ws" bench/bench_ws.c \
    "$O/libdk.a" build/ts/libtsgrammars.a $(make -s --no-print-directory print-libs)
"$O/bench_ws" "$O/bench-ws" 16 1000
echo
echo "== protocol: file_read throughput over keep-alive, 1,000 SSE watchers (bench/bench_http.c, bench_sse.c) =="
sh bench/serve_bench.sh "$O"
