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
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
