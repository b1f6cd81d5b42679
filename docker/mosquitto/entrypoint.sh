#!/bin/sh
# Writes Mosquitto's password file and ACL from the environment, then runs the command it is
# given (the broker). It runs at every start, so secrets live only in the environment: changing
# a password is a restart, and nothing secret is kept in the repository, the image or a volume.
# Without a command it only writes the two files, which is how the tests use it.
#
# Users: PRODUCER_USERNAME/PRODUCER_PASSWORD (the diffusion system), PIPELINE_USERNAME/
# PIPELINE_PASSWORD (Node-RED), SUBSCRIBER_USERNAME/SUBSCRIBER_PASSWORD (read-only, WIS2's
# public everyone/everyone by default), GLOBAL_CACHE_USERNAME/GLOBAL_CACHE_PASSWORD (the demo's
# Global Cache simulator: written only when the password is set, so a deployment without the
# demo has no account that may publish cache and monitoring messages); each password may instead
# be read from the file named by <NAME>_FILE. The paths default to the container's layout.
#
# TLS (optional): when MOSQUITTO_TLS_DIR (default /mosquitto/certs) holds server.crt and
# server.key, a TLS listener on MOSQUITTO_TLS_PORT (default 8883) is added, with the same
# accounts and rights as the others.
set -eu

auth_dir=${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}
acl_template=${MOSQUITTO_ACL_TEMPLATE:-/mosquitto/config/acl.template}
data_dir=${MOSQUITTO_DATA_DIR:-/mosquitto/data}
passwd_tool=${MOSQUITTO_PASSWD:-mosquitto_passwd}
tls_dir=${MOSQUITTO_TLS_DIR:-/mosquitto/certs}
tls_port=${MOSQUITTO_TLS_PORT:-8883}

fail() {
  echo "mosquitto entrypoint: $*" >&2
  exit 1
}

# A password may come from a file named by <NAME>_FILE (a Docker or Kubernetes secret), as the
# official images accept it, so that it never shows in `docker inspect`. Both set is an error.
file_env() {
  eval "file_env_file=\${$1_FILE:-}"
  eval "file_env_value=\${$1:-}"
  [ -n "$file_env_file" ] || return 0
  [ -z "$file_env_value" ] || fail "set $1 or $1_FILE, not both"
  [ -r "$file_env_file" ] || fail "$1_FILE: cannot read $file_env_file"
  # command substitution drops the trailing newline, as the official images do
  file_env_value=$(cat "$file_env_file")
  export "$1=$file_env_value"
  unset "$1_FILE"
}
file_env PRODUCER_PASSWORD
file_env PIPELINE_PASSWORD
file_env SUBSCRIBER_PASSWORD
file_env GLOBAL_CACHE_PASSWORD

producer_user=${PRODUCER_USERNAME:-diffusion}
pipeline_user=${PIPELINE_USERNAME:-wis2-pipeline}
subscriber_user=${SUBSCRIBER_USERNAME:-everyone}
subscriber_password=${SUBSCRIBER_PASSWORD:-everyone}
cache_user=${GLOBAL_CACHE_USERNAME:-globalcache}
cache_password=${GLOBAL_CACHE_PASSWORD:-}

# The names go into the ACL and the password file: keep them to characters both read literally.
check_name() {
  case $2 in
    '' | *[!A-Za-z0-9._-]*) fail "$1 must be letters, digits, '.', '_' or '-' (got '$2')" ;;
  esac
}
check_name PRODUCER_USERNAME "$producer_user"
check_name PIPELINE_USERNAME "$pipeline_user"
check_name SUBSCRIBER_USERNAME "$subscriber_user"
check_name GLOBAL_CACHE_USERNAME "$cache_user"
case $cache_user in
  "$producer_user" | "$pipeline_user" | "$subscriber_user") fail "GLOBAL_CACHE_USERNAME must differ from the other accounts" ;;
esac
if [ "$producer_user" = "$pipeline_user" ] || [ "$producer_user" = "$subscriber_user" ] ||
  [ "$pipeline_user" = "$subscriber_user" ]; then
  fail "PRODUCER_USERNAME, PIPELINE_USERNAME and SUBSCRIBER_USERNAME must differ: each has its own rights"
fi
[ -n "${PRODUCER_PASSWORD:-}" ] || fail "set PRODUCER_PASSWORD or PRODUCER_PASSWORD_FILE"
[ -n "${PIPELINE_PASSWORD:-}" ] || fail "set PIPELINE_PASSWORD or PIPELINE_PASSWORD_FILE"
[ -n "$subscriber_password" ] || fail "SUBSCRIBER_PASSWORD is empty"
[ -r "$acl_template" ] || fail "cannot read the ACL template $acl_template"
tls=no
if [ -e "$tls_dir/server.crt" ] || [ -e "$tls_dir/server.key" ]; then
  # half a certificate is a mistake to report, not a reason to serve plain text only
  [ -r "$tls_dir/server.crt" ] && [ -r "$tls_dir/server.key" ] ||
    fail "TLS needs both $tls_dir/server.crt and $tls_dir/server.key, readable"
  case $tls_port in
    '' | *[!0-9]*) fail "MOSQUITTO_TLS_PORT must be a port number (got '$tls_port')" ;;
  esac
  tls=yes
fi

umask 077
mkdir -p "$auth_dir"
# Written aside then renamed, so a failed start never leaves a half-written file behind.
passwd_new="$auth_dir/passwd.new"
acl_new="$auth_dir/acl.new"
rm -f "$passwd_new" "$acl_new"

"$passwd_tool" -c -b "$passwd_new" "$producer_user" "$PRODUCER_PASSWORD"
"$passwd_tool" -b "$passwd_new" "$pipeline_user" "$PIPELINE_PASSWORD"
"$passwd_tool" -b "$passwd_new" "$subscriber_user" "$subscriber_password"
if [ -n "$cache_password" ]; then "$passwd_tool" -b "$passwd_new" "$cache_user" "$cache_password"; fi

sed -e "s/\${PRODUCER_USERNAME}/$producer_user/g" \
  -e "s/\${PIPELINE_USERNAME}/$pipeline_user/g" \
  -e "s/\${SUBSCRIBER_USERNAME}/$subscriber_user/g" \
  -e "s/\${GLOBAL_CACHE_USERNAME}/$cache_user/g" \
  "$acl_template" >"$acl_new"
# A placeholder left over would silently grant nothing to the user it was meant for.
if grep -v '^[[:space:]]*#' "$acl_new" | grep -q '\${'; then
  fail "unknown placeholder in $acl_template: $(grep -v '^[[:space:]]*#' "$acl_new" | grep '\${' | head -n 1)"
fi

mv -f "$passwd_new" "$auth_dir/passwd"
mv -f "$acl_new" "$auth_dir/acl"

# mosquitto.conf includes every *.conf here: the TLS listener exists only when its files do. The
# key is copied so that the broker's own user can read it whoever owns the mounted original.
conf_dir="$auth_dir/conf.d"
mkdir -p "$conf_dir"
rm -f "$conf_dir"/*.conf "$auth_dir/tls-server.crt" "$auth_dir/tls-server.key"
if [ "$tls" = yes ]; then
  cp "$tls_dir/server.crt" "$auth_dir/tls-server.crt"
  cp "$tls_dir/server.key" "$auth_dir/tls-server.key"
  cat >"$conf_dir/tls.conf" <<EOF_TLS
# written by entrypoint.sh from $tls_dir at every start
listener $tls_port
protocol mqtt
certfile $auth_dir/tls-server.crt
keyfile $auth_dir/tls-server.key
tls_version tlsv1.2
EOF_TLS
fi

# The broker drops to its own user after start: it must still be able to read these files and to
# write its persistence (a bind-mounted data directory may belong to someone else).
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto:mosquitto "$auth_dir"
  if [ -d "$data_dir" ]; then chown -R mosquitto:mosquitto "$data_dir"; fi
fi

echo "mosquitto entrypoint: users $producer_user (producer), $pipeline_user (pipeline), $subscriber_user (read-only) written to $auth_dir" >&2
if [ "$tls" = yes ]; then echo "mosquitto entrypoint: TLS listener on port $tls_port" >&2; fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
