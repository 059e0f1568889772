#!/usr/bin/env bash
# Everything the containers target needs, in order: a Docker engine → the base image → the sim
# image → the px4 preset's images (PX4 SITL from ../shared/px4, the XRCE agent from
# ../shared/xrce-agent). Each step does nothing when its result is already there (the images are
# rebuilt only when their inputs' content hash changed), so running it again costs a few seconds.
# Runs one at a time on a machine (a lock), so parallel test files can all call it.
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${TMPDIR:-/tmp}/flightcheck-images.lock"
exec 9>"$lock"
wait_s=${FLIGHT_IMAGES_LOCK_WAIT_S:-900}
flock -w "$wait_s" 9 || {
  echo "images: $lock still held after ${wait_s}s by another images/build.sh (or a process that inherited its descriptor)" >&2
  exit 1
}
# Without fd 9: a dockerd that engine.sh starts outlives this script and would hold the lock forever.
images/engine.sh 9>&-
images/base/build.sh
images/sim/build.sh
images/px4-sitl/build.sh
images/xrce-agent/build.sh
