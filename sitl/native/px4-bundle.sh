#!/usr/bin/env bash
# Unpacks a PX4 SITL bundle (a .tar.xz holding one directory with bin/px4 and etc/) into a cache
# outside the repository, keyed by the tarball's checksum, and prints the unpacked build directory:
#
#   export FLIGHT_PX4_DIR=$(sitl/native/px4-bundle.sh ../shared/px4/px4-v1.16.0-sitl-linux-x86_64.tar.xz)
#
# Unpacked once per checksum (an interrupted unpack is redone); the cache is FLIGHT_CACHE_DIR,
# else $XDG_CACHE_HOME/flightcheck, else ~/.cache/flightcheck.
set -euo pipefail
tarball=${1:?usage: px4-bundle.sh <px4-sitl tarball>}
[ -f "$tarball" ] || { echo "px4-bundle: no such file: $tarball" >&2; exit 2; }
cache=${FLIGHT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flightcheck}
sum=$(sha256sum "$tarball" | cut -c1-16)
dest="$cache/px4-$sum"
if [ ! -f "$dest/.unpacked" ]; then
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp"
  tar -xJf "$tarball" -C "$dest.tmp"
  mv "$dest.tmp" "$dest"
  touch "$dest/.unpacked"
fi
# The build directory is the one holding bin/px4 (the tarball's top-level folder).
dir=$(dirname "$(dirname "$(find "$dest" -maxdepth 3 -path '*/bin/px4' -type f | head -n 1)")")
[ -x "$dir/bin/px4" ] || { echo "px4-bundle: $tarball holds no bin/px4" >&2; exit 2; }
echo "$dir"
