#!/bin/sh
# Renders nginx.conf.tmpl for the container and runs nginx in the foreground (see README.md).
# Env:
#   ROOST_AUTH_HTTP         Roost's auth_http endpoint: [http://]host:port/api/mail-auth/nginx
#   ROOST_MAIL_AUTH_SECRET  the API's ROOST_MAIL_AUTH_SECRET (16+ of A-Z a-z 0-9 . _ ~ + / = -)
#   MAIL_SERVER_NAME        name in the greetings (default: the container's hostname)
#   IMAP_LISTEN, POP3_LISTEN  listen addresses (default 143 and 110 on every address)
#   NGINX_WORKER_PROCESSES  default auto
#   ROOST_NGINX_RUN_DIR     where the rendered config goes (default /run/roost-nginx, 0700)
# `entrypoint.sh --check` renders and runs `nginx -t` only.
set -eu
fail() { echo "roost-nginx: $*" >&2; exit 1; }
: "${ROOST_AUTH_HTTP:?set ROOST_AUTH_HTTP to the URL of /api/mail-auth/nginx, e.g. api:8080/api/mail-auth/nginx}"
: "${ROOST_MAIL_AUTH_SECRET:?set ROOST_MAIL_AUTH_SECRET (the same value as in the API)}"

# The values go into sed and into nginx's quoted strings: allow only characters safe in both.
case "$ROOST_MAIL_AUTH_SECRET" in
  *[!A-Za-z0-9._~+/=-]*) fail 'ROOST_MAIL_AUTH_SECRET may only hold A-Z a-z 0-9 . _ ~ + / = -' ;;
esac
[ "${#ROOST_MAIL_AUTH_SECRET}" -ge 16 ] || fail 'ROOST_MAIL_AUTH_SECRET must be at least 16 characters'
case "$ROOST_AUTH_HTTP" in
  *[!A-Za-z0-9._~:/%-]*) fail "ROOST_AUTH_HTTP is not a plain http URL: $ROOST_AUTH_HTTP" ;;
  https:*) fail 'nginx auth_http speaks plain HTTP only: keep the API on a private network' ;;
esac

here=$(dirname "$0")
run_dir=${ROOST_NGINX_RUN_DIR:-/run/roost-nginx}
install -d -m 0700 "$run_dir"
conf="$run_dir/nginx.conf"
umask 077
sed -e "s|{{WORKER_PROCESSES}}|${NGINX_WORKER_PROCESSES:-auto}|g" \
    -e "s|{{PID_FILE}}|$run_dir/nginx.pid|g" \
    -e "s|{{ERROR_LOG}}|stderr|g" \
    -e "s|{{SERVER_NAME}}|${MAIL_SERVER_NAME:-$(hostname)}|g" \
    -e "s|{{AUTH_HTTP}}|$ROOST_AUTH_HTTP|g" \
    -e "s|{{MAIL_AUTH_SECRET}}|$ROOST_MAIL_AUTH_SECRET|g" \
    -e "s|{{IMAP_LISTEN}}|${IMAP_LISTEN:-143}|g" \
    -e "s|{{POP3_LISTEN}}|${POP3_LISTEN:-110}|g" \
    "$here/nginx.conf.tmpl" > "$conf"
if grep -q '{{' "$conf"; then fail "unrendered placeholder in $conf: $(grep -o '{{[A-Z0-9_]*}}' "$conf" | head -1)"; fi

if [ "${1:-}" = --check ]; then exec nginx -t -c "$conf" -e stderr; fi
exec nginx -c "$conf" -e stderr -g 'daemon off;'
