#!/bin/sh
# Collect `void test_<suite>__<name>(void)` functions from the given test
# sources into a registry table (Valkey's generator idea: a grep, no magic).
set -eu
tests=$(grep -ho '^void test_[A-Za-z0-9_]*__[A-Za-z0-9_]*(void)' "$@" | sed 's/^void \(.*\)(void)$/\1/' | sort -u)
for t in $tests; do echo "void $t(void);"; done
echo "static const struct th_test th_tests[] = {"
for t in $tests; do
    case "$t" in *__initialize|*__cleanup) continue ;; esac
    rest=${t#test_}
    suite=${rest%%__*}
    name=${rest#*__}
    init=NULL; clean=NULL
    echo "$tests" | grep -qx "test_${suite}__initialize" && init="test_${suite}__initialize"
    echo "$tests" | grep -qx "test_${suite}__cleanup" && clean="test_${suite}__cleanup"
    echo "    {\"$suite\", \"$name\", $t, $init, $clean},"
done
echo "    {NULL, NULL, NULL, NULL, NULL},"
echo "};"
