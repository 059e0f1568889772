#!/usr/bin/env bash
# Everything the containers target needs, in order: a Docker engine → the base image → the sim
# image → the px4 preset's images (PX4 SITL from ../shared/px4, the XRCE agent from
# ../shared/xrce-agent). Each step does nothing when its result is already there (the images are
# rebuilt only when their inputs' content hash changed), so running it again costs a few seconds.
# Runs one at a time on a machine (a lock), so parallel test files can all call it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>"${TMPDIR:-/tmp}/flightcheck-images.lock"
flock 9
images/engine.sh
images/base/build.sh
images/sim/build.sh
images/px4-sitl/build.sh
images/xrce-agent/build.sh
