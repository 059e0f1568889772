#!/usr/bin/env bash
# Builds the Micro XRCE-DDS Agent image of the px4 preset, $FLIGHT_AGENT_IMAGE (default
# flightcheck/xrce-agent:v2.4), on the base image plus Debian 12's Fast DDS runtime packages,
# rebuilt only when its inputs change (the agent's files, this directory, the base).
#
# The agent comes from $FLIGHT_AGENT_BUNDLE, default ../shared/xrce-agent/xrce-agent-v2.4.2-linux-x86_64.tar.xz
# beside the repository (bin/MicroXRCEAgent, lib/libmicroxrcedds_agent.so*). Not there: says so and
# builds nothing (exit 0); the px4 preset then names the missing image.
#   --context-only DIR   prepares the build context in DIR and stops (no Docker needed)
set -euo pipefail
cd "$(dirname "$0")/../.."

image=${FLIGHT_AGENT_IMAGE:-flightcheck/xrce-agent:v2.4}
base=${FLIGHT_BASE_IMAGE:-flightcheck/base:bookworm}
bundle=${FLIGHT_AGENT_BUNDLE:-$(cd .. && pwd)/shared/xrce-agent/xrce-agent-v2.4.2-linux-x86_64.tar.xz}
ctx=images/xrce-agent/.context
# shellcheck source=../cached-build.sh
. images/cached-build.sh
context_only_arg "$@"

if [ ! -f "$bundle" ]; then
  echo "xrce-agent: no agent bundle at $bundle (set FLIGHT_AGENT_BUNDLE); $image not built"
  exit 0
fi
rm -rf "$ctx"
mkdir -p "$ctx/xrce-agent"
# Only what runs: the binary, its library and the licence (the bundle's logs and tests stay out).
tar -xJf "$bundle" -C "$ctx/xrce-agent" --strip-components=1 xrce-agent/bin xrce-agent/lib xrce-agent/LICENSE
[ -x "$ctx/xrce-agent/bin/MicroXRCEAgent" ] || { echo "xrce-agent: $bundle has no bin/MicroXRCEAgent" >&2; exit 1; }
cp images/xrce-agent/Dockerfile "$ctx/"
if [ "$context_only" = 1 ]; then exit 0; fi

cached_build xrce-agent "$image" "$ctx" --label "flightcheck.agent.source=$(basename "$bundle")"
rm -rf "$ctx"
