# Sourced by the images' build scripts (not run on its own).
#
#   cached_build WHAT IMAGE CONTEXT_DIR [docker build args...]
#
# Builds CONTEXT_DIR (its Dockerfile) as IMAGE unless IMAGE already carries the label
# flightcheck.inputs=<hash>, where <hash> covers the base image id and every file and symlink of
# the context (contents, names, modes). Unchanged inputs → nothing is built. The image it replaces
# is removed (when no container uses it). Needs $base (the base image name) set by the caller.

# --context-only DIR: the caller prepares its build context in DIR and stops (no Docker needed).
# Sets context_only=1 and ctx=DIR then; the directory must be new or empty (it is filled).
context_only_arg() {
  context_only=0
  if [ "${1:-}" = --context-only ]; then
    ctx=${2:?--context-only needs a directory}
    context_only=1
    if [ -n "$(ls -A "$ctx" 2>/dev/null)" ]; then echo "--context-only: $ctx is not empty" >&2; exit 1; fi
  fi
}

# Prints the input hash of a build context on top of the base image id.
inputs_hash() {
  local ctx=$1 base_id=$2
  {
    echo "$base_id"
    cd "$ctx" || exit 1
    # Files by content and mode, symlinks by target: PX4's px4-* command links are part of the input.
    find . -type f -printf '%m %p\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . -type l -printf '%p -> %l\n' | LC_ALL=C sort
  } | sha256sum | cut -c1-16
}

cached_build() {
  local what=$1 image=$2 ctx=$3
  shift 3
  local base_id hash have old_id start out size
  base_id=$(docker image inspect "$base" --format '{{.Id}}' 2>/dev/null) || {
    echo "$what: base image $base missing: run images/base/build.sh" >&2
    return 1
  }
  hash=$(inputs_hash "$ctx" "$base_id")
  have=$(docker image inspect "$image" --format '{{index .Config.Labels "flightcheck.inputs"}}' 2>/dev/null || true)
  if [ "$have" = "$hash" ]; then
    echo "$what: $image up to date ($hash)"
    return 0
  fi
  old_id=$(docker image inspect "$image" --format '{{.Id}}' 2>/dev/null || true)
  start=$SECONDS
  # The legacy builder: needs no buildx plugin and works with every engine version. Host network:
  # apt-get inside a build reaches the Debian mirror the way the host does.
  out=$(DOCKER_BUILDKIT=0 docker build --network host --build-arg "BASE=$base" \
    --label "flightcheck.inputs=$hash" "$@" -t "$image" "$ctx" 2>&1) || {
    echo "$what: docker build failed:" >&2
    echo "$out" | tail -n 30 >&2
    return 1
  }
  size=$(docker image inspect "$image" --format '{{.Size}}')
  echo "$what: built $image ($hash) in $((SECONDS - start))s ($((size / 1000000)) MB)"
  # The image this one replaces only takes disk space (kept while a container still uses it).
  if [ -n "$old_id" ] && [ "$old_id" != "$(docker image inspect "$image" --format '{{.Id}}')" ]; then
    docker rmi "$old_id" >/dev/null 2>&1 || true
  fi
}
