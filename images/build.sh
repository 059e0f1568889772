#!/usr/bin/env bash
# Everything the containers target needs, in order: a Docker engine → the base image → the sim
# image. Each step does nothing when its result is already there (the sim image is rebuilt only
# when its inputs' content hash changed), so running it again costs a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
images/engine.sh
images/base/build.sh
images/sim/build.sh
