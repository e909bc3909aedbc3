#!/usr/bin/env bash
# Installs what Roost needs on a fresh Debian 12 machine (idempotent, quick when all is there):
# Debian packages (as root), npm dependencies, a built tree, running PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  postgresql redis-server                       # source of truth and job queues
  cyrus-imapd cyrus-pop3d cyrus-admin cyrus-clients sasl2-bin # backends (tests and the local fleet)
  curl                                          # backends ask Roost for passwords (pam_exec)
  postfix postfix-pgsql                         # front relay reading Roost's views
  nginx libnginx-mod-mail                       # IMAP/POP proxy with auth_http
  isync                                         # mbsync, the move benchmark's baseline
  chromium                                      # UI tests (playwright-core drives it)
  docker-compose                                # validates docker-compose.yml without an engine
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Roost needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash scripts/services.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies"
  npm ci --no-fund --no-audit
fi
npm run --silent build
