#!/usr/bin/env bash
# Ensures a Docker engine answers `docker info` on this machine (no systemd needed):
#   installs docker.io + docker-compose with apt-get when missing, starts dockerd in the background
#   (log: $FLIGHT_DOCKERD_LOG, default /var/log/flightcheck-dockerd.log) and waits until it answers,
#   at most $FLIGHT_DOCKERD_WAIT_S seconds (default 60). Safe to run again: it does nothing when
#   the engine is up and docker-compose is installed.
set -euo pipefail

log=${FLIGHT_DOCKERD_LOG:-/var/log/flightcheck-dockerd.log}
wait_s=${FLIGHT_DOCKERD_WAIT_S:-60}

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "engine: missing ${need[*]} and not root: install them (apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "engine: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "engine: docker is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

# Start dockerd only when none is running (a dockerd still starting is waited for, not doubled).
pid=
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "engine: starting dockerd (log: $log)"
  mkdir -p "$(dirname "$log")"
  # Only stdin/out/err: an inherited descriptor (a caller's lock file, a pipe) would stay open for
  # as long as dockerd runs.
  # On a kernel with real-time group scheduling (cgroup v1 cpu.rt_runtime_us) a container gets no
  # real-time CPU time unless the engine's parent group has a budget to hand out: give it the
  # host's. PX4 schedules its threads SCHED_FIFO as it does on a host (sitl/containers/README.md).
  args=
  if [ -r /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
    args="--cpu-rt-runtime=$(cat /sys/fs/cgroup/cpu/cpu.rt_runtime_us)"
  fi
  setsid nohup bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec dockerd '"$args" >>"$log" 2>&1 </dev/null &
  pid=$!
fi

deadline=$((SECONDS + wait_s))
until docker info >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ]; then
    echo "engine: dockerd did not answer within ${wait_s}s; last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    echo "engine: dockerd exited; last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "engine: docker is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
