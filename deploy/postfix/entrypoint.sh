#!/bin/sh
# Renders the relay templates (README.md) for a container and runs Postfix in the foreground,
# logging to stdout. Env:
#   DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD   the routing role (README.md, step 2)
#   MYHOSTNAME         the relay's public name (default: hostname -f)
#   MYNETWORKS         hosts allowed to relay out through it (default: none)
#   DEFAULT_TRANSPORT  default smtp
#   LISTEN_ADDRESS     default: the container's first address (hostname -I). Postfix wants a
#                      local address here (inet_interfaces and master.cf); 0.0.0.0 fails its check
#   SMTP_PORT          default 25
#   POSTFIX_CONFIG_DIR, POSTFIX_QUEUE_DIR, POSTFIX_DATA_DIR, MAILLOG_FILE
#                      default /etc/postfix, /var/spool/postfix, /var/lib/postfix, /dev/stdout
# `entrypoint.sh --check` renders and runs `postfix check` only.
# Relay control from Roost (reload after a routing change, flush after a flip) is
# `postfix -c <config dir> reload|flush` in this container, e.g. over `docker exec`.
set -eu
fail() { echo "roost-postfix: $*" >&2; exit 1; }
for v in DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD; do
  eval "[ -n \"\${$v:-}\" ]" || fail "set $v"
done

here=$(dirname "$0")
export R_CONFIG_DIR="${POSTFIX_CONFIG_DIR:-/etc/postfix}"
export R_QUEUE_DIR="${POSTFIX_QUEUE_DIR:-/var/spool/postfix}"
export R_DATA_DIR="${POSTFIX_DATA_DIR:-/var/lib/postfix}"
export R_MAILLOG_FILE="${MAILLOG_FILE:-/dev/stdout}"
export R_MYHOSTNAME="${MYHOSTNAME:-$(hostname -f 2>/dev/null || hostname)}"
first_address() { set -- $(hostname -I 2>/dev/null); echo "${1:-}"; }
export R_LISTEN_ADDRESS="${LISTEN_ADDRESS:-$(first_address)}"
[ -n "$R_LISTEN_ADDRESS" ] || fail 'set LISTEN_ADDRESS (hostname -I found no address)'
export R_SMTP_PORT="${SMTP_PORT:-25}"
export R_MYNETWORKS="${MYNETWORKS:-}"
export R_DEFAULT_TRANSPORT="${DEFAULT_TRANSPORT:-smtp}"
export R_DB_HOST="$DB_HOST" R_DB_PORT="$DB_PORT" R_DB_NAME="$DB_NAME" R_DB_USER="$DB_USER"
export R_DB_PASSWORD="$DB_PASSWORD"

# Every value goes into one config line as it is.
for v in $(env | sed -n 's/^\(R_[A-Z_]*\)=.*/\1/p'); do
  eval "value=\${$v}"
  case "$value" in *"
"*) fail "${v#R_} must be on one line" ;; esac
done

# {{NAME}} -> $R_NAME, by concatenation (no sed or gsub escaping of the values); an unknown
# placeholder is an error, not an empty string.
render() {
  awk '{
    line = $0; out = ""
    while (match(line, /[{][{][A-Z0-9_]+[}][}]/)) {
      name = "R_" substr(line, RSTART + 2, RLENGTH - 4)
      if (!(name in ENVIRON)) { print "roost-postfix: no value for " substr(line, RSTART, RLENGTH) > "/dev/stderr"; exit 3 }
      out = out substr(line, 1, RSTART - 1) ENVIRON[name]
      line = substr(line, RSTART + RLENGTH)
    }
    print out line
  }' "$1" > "$2.tmp" && mv "$2.tmp" "$2"
}

umask 022
mkdir -p "$R_CONFIG_DIR" "$R_QUEUE_DIR"
install -d -m 0700 -o postfix -g postfix "$R_DATA_DIR"
render "$here/main.cf.tmpl" "$R_CONFIG_DIR/main.cf"
render "$here/master.cf.tmpl" "$R_CONFIG_DIR/master.cf"
for map in domains mailboxes aliases transport recipient-access; do
  # The map files hold the routing role's password; proxymap reads them as user postfix.
  ( umask 027; render "$here/$map.cf.tmpl" "$R_CONFIG_DIR/$map.cf" )
  chown root:postfix "$R_CONFIG_DIR/$map.cf"
  chmod 0640 "$R_CONFIG_DIR/$map.cf"
done

postfix -c "$R_CONFIG_DIR" check || fail "postfix check failed (see the log above)"
if [ "${1:-}" = --check ]; then exit 0; fi
exec postfix -c "$R_CONFIG_DIR" start-fg
