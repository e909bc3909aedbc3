#!/bin/sh
# Renders the templates for a container (test/src/harness/cyrus.ts does the same for the test
# fleet), starts saslauthd so mail users' passwords are checked by Roost, and runs master in the
# foreground. Env: SERVERNAME (also the backend's name in Roost), CYRUS_ADMIN_PASSWORD,
# ROOST_AUTH_URL (Roost's /api/mail-auth/verify), ROOST_MAIL_AUTH_SECRET.
set -eu
DIR=/srv/cyrus
T=/etc/roost-cyrus
: "${SERVERNAME:?set SERVERNAME}" "${CYRUS_ADMIN_PASSWORD:?set CYRUS_ADMIN_PASSWORD}"
: "${ROOST_AUTH_URL:?set ROOST_AUTH_URL}" "${ROOST_MAIL_AUTH_SECRET:?set ROOST_MAIL_AUTH_SECRET}"
install -d -m 0755 "$DIR/etc" "$DIR/run" "$DIR/run/saslauthd"
install -d -m 0750 -o cyrus -g mail "$DIR/config" "$DIR/spool"
for d in db proc socket log msg user quota lock sieve sync; do install -d -m 0700 -o cyrus -g mail "$DIR/config/$d"; done
chmod 0750 "$DIR/config/socket"
render() { # template, destination
  sed -e "s|{{DIR}}|$DIR|g" -e "s|{{SERVERNAME}}|$SERVERNAME|g" -e "s|{{BACKEND_NAME}}|$SERVERNAME|g" \
      -e "s|{{ADMIN_PASSWORD}}|$CYRUS_ADMIN_PASSWORD|g" -e "s|{{BIND_HOST}}|0.0.0.0|g" \
      -e "s|{{IMAP_PORT}}|143|g" -e "s|{{POP3_PORT}}|110|g" -e "s|{{LMTP_PORT}}|24|g" -e "s|{{SIEVE_PORT}}|4190|g" \
      -e "s|{{PAM_CHECK}}|$T/roost-pam-check|g" -e "s|{{PAM_CHECK_CONFIG}}|$DIR/etc/mail-auth.curl|g" \
      -e "s|{{VERIFY_URL}}|$ROOST_AUTH_URL|g" -e "s|{{MAIL_AUTH_SECRET}}|$ROOST_MAIL_AUTH_SECRET|g" \
      "$T/$1" > "$2"
}
render imapd.conf.tmpl "$DIR/etc/imapd.conf"
render cyrus.conf.tmpl "$DIR/etc/cyrus.conf"
( umask 077; render mail-auth.curl.tmpl "$DIR/etc/mail-auth.curl" )
for service in imap pop sieve; do render pam-service.tmpl "/etc/pam.d/$service"; done
chmod 0755 "$T/roost-pam-check"
printf '%s' "$CYRUS_ADMIN_PASSWORD" | saslpasswd2 -p -c -f "$DIR/sasldb2" -u "$SERVERNAME" cyrus
chown cyrus:mail "$DIR/sasldb2" && chmod 0640 "$DIR/sasldb2"
# -r keeps user@domain whole, -c -t 60 caches good passwords for 60 s, -m is the socket imapd.conf names.
saslauthd -a pam -r -c -t 60 -m "$DIR/run/saslauthd"
exec /usr/lib/cyrus/bin/master -C "$DIR/etc/imapd.conf" -M "$DIR/etc/cyrus.conf" -p "$DIR/run/master.pid"
