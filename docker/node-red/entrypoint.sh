#!/bin/sh
# Prepares Node-RED's user directory, then hands over to the stock Node-RED entrypoint (which
# adds --userDir /data and passes on any arguments). The paths default to the image's layout;
# the variables exist so the same script runs outside it.
set -eu

image_dir=${WIS2_IMAGE_DIR:-/usr/src/node-red/wis2}
user_dir=${NODE_RED_USER_DIR:-/data}
stock_entrypoint=${NODE_RED_STOCK_ENTRYPOINT:-/usr/src/node-red/entrypoint.sh}

fail() {
  echo "node-red entrypoint: $*" >&2
  exit 1
}

# Secrets may be given as values or as files (<NAME>_FILE, read by settings.js); compose passes
# both empty when neither is set, so the check that one is there is made here, before the start.
[ -n "${NODE_RED_CREDENTIAL_SECRET:-}${NODE_RED_CREDENTIAL_SECRET_FILE:-}" ] ||
  fail "set NODE_RED_CREDENTIAL_SECRET or NODE_RED_CREDENTIAL_SECRET_FILE (encrypts credentials entered in the editor)"
if [ -n "${MQTT_USERNAME:-}" ] && [ -z "${MQTT_PASSWORD:-}${MQTT_PASSWORD_FILE:-}" ]; then
  fail "set MQTT_PASSWORD or MQTT_PASSWORD_FILE for the broker account ${MQTT_USERNAME} (compose: PIPELINE_PASSWORD or PIPELINE_PASSWORD_FILE)"
fi

# The settings belong to the image, not to the volume: an upgraded image must not run with the
# settings.js an older one left in /data.
cp "$image_dir/settings.js" "$user_dir/settings.js"

# First start only: the command leaves existing flows alone, so whatever was deployed from the
# editor since then is kept.
wis2 flows install "$user_dir"

exec "$stock_entrypoint" "$@"
