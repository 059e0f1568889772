#!/usr/bin/env bash
# Builds the PX4 SITL image of the px4 preset, $FLIGHT_PX4_IMAGE (default flightcheck/px4-sitl:v1.16),
# on the base image, rebuilt only when its inputs change (the PX4 files, this directory, the base).
#
# Where PX4 comes from, first found:
#   FLIGHT_PX4_BUILD_DIR  a PX4 build directory of yours (PX4-Autopilot/build/px4_sitl_default):
#                         its bin/ and etc/ go into the image (see README.md)
#   FLIGHT_PX4_BUNDLE     a PX4 SITL bundle (tar.xz with <dir>/bin, <dir>/etc), default
#                         ../shared/px4/px4-v1.16.0-sitl-linux-x86_64.tar.xz beside the repository
# Neither there: says so and builds nothing (exit 0), so images/build.sh goes on; the px4 preset
# then names the missing image.
#   --context-only DIR   prepares the build context in DIR and stops (no Docker needed)
set -euo pipefail
cd "$(dirname "$0")/../.."

image=${FLIGHT_PX4_IMAGE:-flightcheck/px4-sitl:v1.16}
base=${FLIGHT_BASE_IMAGE:-flightcheck/base:bookworm}
bundle=${FLIGHT_PX4_BUNDLE:-$(cd .. && pwd)/shared/px4/px4-v1.16.0-sitl-linux-x86_64.tar.xz}
build_dir=${FLIGHT_PX4_BUILD_DIR:-}
ctx=images/px4-sitl/.context
# shellcheck source=../cached-build.sh
. images/cached-build.sh
context_only_arg "$@"

rm -rf "$ctx"
mkdir -p "$ctx/px4"
if [ -n "$build_dir" ]; then
  for d in bin etc; do
    [ -d "$build_dir/$d" ] || { echo "px4-sitl: FLIGHT_PX4_BUILD_DIR=$build_dir has no $d/ (expected a PX4 SITL build directory, e.g. PX4-Autopilot/build/px4_sitl_default)" >&2; exit 1; }
  done
  [ -x "$build_dir/bin/px4" ] || { echo "px4-sitl: $build_dir/bin/px4 missing (build it: make px4_sitl_default)" >&2; exit 1; }
  # -a keeps the px4-* command links as links; -L on etc/ in case the build links parts of the ROMFS.
  cp -a "$build_dir/bin" "$ctx/px4/bin"
  cp -aL "$build_dir/etc" "$ctx/px4/etc"
  # PX4's licence travels with its binary (BSD-3): the source tree's, two levels up from the build dir.
  if [ -f "$build_dir/../../LICENSE" ]; then cp "$build_dir/../../LICENSE" "$ctx/px4/LICENSE"; fi
  from="build dir $build_dir"
elif [ -f "$bundle" ]; then
  tar -xJf "$bundle" -C "$ctx/px4" --strip-components=1
  from="bundle $(basename "$bundle")"
else
  echo "px4-sitl: no PX4 to build $image from: no bundle at $bundle and FLIGHT_PX4_BUILD_DIR unset (see images/px4-sitl/README.md); not built"
  rm -rf "$ctx"
  exit 0
fi
for f in bin/px4 bin/px4-alias.sh etc/init.d-posix/rcS; do
  [ -e "$ctx/px4/$f" ] || { echo "px4-sitl: $from has no $f: not a PX4 SITL build" >&2; exit 1; }
done
cp images/px4-sitl/Dockerfile "$ctx/"
if [ "$context_only" = 1 ]; then exit 0; fi

cached_build px4-sitl "$image" "$ctx" --label "flightcheck.px4.source=$from"
rm -rf "$ctx"
