#!/usr/bin/env bash
# Builds the simulator image flightcheck/sim:<hash> (+ :latest) when its inputs changed:
#   the esbuild bundle of `flightcheck sim`, this directory's files, serialport's runtime files,
#   the host's node binary and the base image id. Unchanged inputs → nothing is built (about 2 s).
# Needs the base image (images/base/build.sh) and a running engine (images/engine.sh).
#   --context-only DIR   prepares the build context in DIR and stops (no Docker needed)
set -euo pipefail
cd "$(dirname "$0")/../.."

repo=${FLIGHT_SIM_IMAGE_REPO:-flightcheck/sim}
base=${FLIGHT_BASE_IMAGE:-flightcheck/base:bookworm}
ctx=images/sim/.context
context_only=0
if [ "${1:-}" = --context-only ]; then
  ctx=${2:?--context-only needs a directory}
  context_only=1
  # The directory is emptied first: only one that is new or already empty is taken.
  if [ -n "$(ls -A "$ctx" 2>/dev/null)" ]; then echo "--context-only: $ctx is not empty" >&2; exit 1; fi
fi

rm -rf "$ctx"
mkdir -p "$ctx/app"
node_modules/.bin/esbuild sitl/containers/sim-entry.ts --bundle --platform=node --target=node20 --format=esm \
  --external:serialport --legal-comments=none --log-level=warning --outfile="$ctx/app/sim.mjs" \
  --banner:js="import { createRequire as __flightcheckRequire } from 'node:module'; const require = __flightcheckRequire(import.meta.url);"
node images/sim/runtime-deps.mjs "$PWD" "$ctx/app" >/dev/null
printf '{ "type": "module" }\n' >"$ctx/app/package.json"
cp images/sim/Dockerfile images/sim/flightcheck "$ctx/"
# The node binary the tests run on (same glibc as the bookworm base); a hard link when possible.
ln "$(readlink -f "$(command -v node)")" "$ctx/node" 2>/dev/null || cp "$(readlink -f "$(command -v node)")" "$ctx/node"
if [ "$context_only" = 1 ]; then exit 0; fi

base_id=$(docker image inspect "$base" --format '{{.Id}}' 2>/dev/null) || {
  echo "sim: base image $base missing: run images/base/build.sh" >&2
  exit 1
}

hash=$({ echo "$base_id"; cd "$ctx" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
image="$repo:$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  docker tag "$image" "$repo:latest"
  echo "sim: $image up to date"
  exit 0
fi

start=$SECONDS
# The legacy builder: COPY-only, needs no buildx plugin and works with every engine version.
out=$(DOCKER_BUILDKIT=0 docker build --network host --build-arg "BASE=$base" \
  --label "flightcheck.inputs=$hash" -t "$image" -t "$repo:latest" "$ctx" 2>&1) || {
  echo "sim: docker build failed:" >&2
  echo "$out" | tail -n 30 >&2
  exit 1
}
size=$(docker image inspect "$image" --format '{{.Size}}')
echo "sim: built $image in $((SECONDS - start))s ($((size / 1000000)) MB)"
# Older builds of this image only take disk space.
docker image ls "$repo" --format '{{.Tag}}' | grep -v -x -e latest -e "$hash" | sed "s|^|$repo:|" | xargs -r docker rmi -f >/dev/null 2>&1 || true
