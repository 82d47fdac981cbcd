#!/bin/sh
# tests/run.sh UNIT_BIN - run the unit binary and every tests/integration/*.sh,
# then print the combined closing line "N passed, N failed".
set -u
unit=$1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
passed=0; failed=0
out=$(mktemp)
"$unit" >"$out" 2>&1
rc=$?
cat "$out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
fi
if [ $rc -ne 0 ] && [ -z "$line" ]; then
    echo "FAIL unit binary crashed (exit $rc)"; failed=$((failed + 1))
elif [ $rc -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
    echo "FAIL unit binary exited $rc (sanitizer report?)"; failed=$((failed + 1))
fi
for t in tests/integration/*.sh; do
    [ -e "$t" ] || continue
    if sh "$t" >"$out" 2>&1; then
        passed=$((passed + 1)); echo "ok   integration::$(basename "$t" .sh)"
    else
        failed=$((failed + 1)); echo "FAIL integration::$(basename "$t" .sh)"; sed 's/^/     /' "$out" | tail -40
    fi
done
rm -f "$out"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
