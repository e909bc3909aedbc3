#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, lints, then runs every unit test
# (*.spec.js beside the code) and every end-to-end test (test/**/*.e2e-spec.js) against real
# PostgreSQL, Redis, Cyrus, Postfix, nginx and Chromium. One file at a time: they share the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
mkdir -p test-artifacts
mapfile -t files < <(find packages api workers migrations test bench -path '*/node_modules' -prune -o \
  -path '*/dist/*' \( -name '*.spec.js' -o -name '*.e2e-spec.js' \) -print | sort)
[ $# -gt 0 ] && files=("$@")   # npm test -- test/dist/routing/x.e2e-spec.js runs one file
# Spec for people; TAP kept in test-artifacts/ for the why of a failure. A file that fails with
# every test passed (its process exited non-zero: an error after its tests, a signal) says only
# "test failed" in spec, so its exit code, signal and diagnostics are repeated at the very end.
tap=test-artifacts/node-test.tap
status=0
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== failures, from $tap: failed tests and files, exit codes, signals, diagnostics =="
  grep -E '^ *not ok |^ *(exitCode|signal|error|failureType):|^# (Error|Warning)' "$tap" | tail -60
fi
exit "$status"
