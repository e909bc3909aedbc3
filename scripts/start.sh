#!/usr/bin/env bash
# Runs Roost on a local fleet (see README): installs what is missing, builds, then starts
# PostgreSQL/Redis (the machine's), two Cyrus backends, migrations, API, workers and web.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node test/dist/harness/local-fleet.js
