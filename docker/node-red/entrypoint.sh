#!/bin/sh
# Prepares Node-RED's user directory, then hands over to the stock Node-RED entrypoint (which
# adds --userDir /data and passes on any arguments). The paths default to the image's layout;
# the variables exist so the same script runs outside it.
set -eu

image_dir=${WIS2_IMAGE_DIR:-/usr/src/node-red/wis2}
user_dir=${NODE_RED_USER_DIR:-/data}
stock_entrypoint=${NODE_RED_STOCK_ENTRYPOINT:-/usr/src/node-red/entrypoint.sh}

# The settings belong to the image, not to the volume: an upgraded image must not run with the
# settings.js an older one left in /data.
cp "$image_dir/settings.js" "$user_dir/settings.js"

# First start only: the command leaves existing flows alone, so whatever was deployed from the
# editor since then is kept.
wis2 flows install "$user_dir"

exec "$stock_entrypoint" "$@"
