# Shared by the shell tests in tests/cli: count checks and print the closing line.
passed=0
failed=0
# expect_ok NAME COMMAND...: the command must succeed.
expect_ok() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name: $out"; fi
}
# expect_error NAME PATTERN COMMAND...: the command must exit 1 (an error, not a crash) and print PATTERN.
expect_error() {
    local name=$1 pattern=$2
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qE -- "$pattern" <<<"$out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $rc, output: $out (wanted /$pattern/)"
    fi
}
# finish: the closing line CI reads, and the exit status.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
