#!/usr/bin/env bash
# Builds the base image every flightcheck image starts FROM, without a registry:
#   debootstrap --variant=minbase bookworm → trimmed (docs, man pages, locales, apt caches) →
#   `docker import` as $FLIGHT_BASE_IMAGE (default flightcheck/base:bookworm).
# Does nothing when the image exists; FLIGHT_REBUILD_BASE=1 rebuilds it.
# Mirror: $FLIGHT_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

image=${FLIGHT_BASE_IMAGE:-flightcheck/base:bookworm}
mirror=${FLIGHT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "${FLIGHT_REBUILD_BASE:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base: $image present"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "base: apt-get install debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

dir=$(mktemp -d /var/tmp/flightcheck-base.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "base: debootstrap --variant=minbase bookworm ($mirror)"
start=$SECONDS
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || {
  echo "base: debootstrap failed; last lines:" >&2
  tail -n 20 "$dir.log" >&2
  rm -f "$dir.log"
  exit 1
}
rm -f "$dir.log"
# Nothing at run time reads these; apt lists come back with `apt-get update` in a Dockerfile.
rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* \
  "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log

tar -C "$dir" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "base: $image built in $((SECONDS - start))s ($(docker image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
