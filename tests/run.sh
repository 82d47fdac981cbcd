#!/bin/sh
# tests/run.sh UNIT_BIN - run the unit binary and every tests/integration/*.sh,
# then print the combined closing line "N passed, N failed". Each script's line
# and the unit binary's say how long they took (wall clock), for the CI budget.
# Each is bounded in time (DK_TEST_TIMEOUT seconds, default 900 for the unit
# binary and for each script), so a hung server cannot stall CI.
set -u
unit=$1
limit=${DK_TEST_TIMEOUT:-900}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
passed=0; failed=0
out=$(mktemp)
# PostgreSQL and Redis for the store and cache tests: fresh servers on free
# loopback ports in a temporary directory (scripts/test-services), always stopped
eval "$("$(dirname "$0")/../scripts/test-services" start)"
export DK_TEST_SERVICES_DIR DK_TEST_PG_URL DK_TEST_REDIS_URL DK_TEST_PG_ERROR DK_TEST_REDIS_ERROR
trap '"$(dirname "$0")/../scripts/test-services" stop "${DK_TEST_SERVICES_DIR:-}" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)
timeout -k 10 "$limit" "$unit" >"$out" 2>&1
rc=$?
cat "$out"
echo "unit binary: $(($(date +%s) - t0)) s"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "FAIL unit binary timed out after ${limit}s"; failed=$((failed + 1))
elif [ $rc -ne 0 ] && [ -z "$line" ]; then
    echo "FAIL unit binary crashed (exit $rc)"; failed=$((failed + 1))
elif [ $rc -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
    echo "FAIL unit binary exited $rc (sanitizer report?)"; failed=$((failed + 1))
fi
for t in tests/integration/*.sh; do
    [ -e "$t" ] || continue
    t0=$(date +%s)
    timeout -k 10 "$limit" sh "$t" >"$out" 2>&1
    trc=$?
    took="$(($(date +%s) - t0)) s"
    if [ $trc -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   integration::$(basename "$t" .sh) ($took)"
    else
        failed=$((failed + 1))
        if [ $trc -eq 124 ] || [ $trc -eq 137 ]; then
            echo "FAIL integration::$(basename "$t" .sh) (timed out after ${limit}s)"
        else
            echo "FAIL integration::$(basename "$t" .sh) ($took)"
        fi
        sed 's/^/     /' "$out" | tail -40
    fi
done
rm -f "$out"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
