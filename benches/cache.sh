#!/usr/bin/env bash
# Benchmark of the build's layer cache (not a test): runs `nomad-build local --phase build` on a
# fixed repository (a 64 MB `RUN`, a small `RUN`, a `COPY`) with
# `cache { host_volume = ..., registry = ... }` and prints the wall time of each case and its
# ratio to the cold build:
#
#   cold          empty store, empty registry cache
#   same commit   the same store again, nothing changed
#   last COPY     the file of the last `COPY` changed (a new commit)
#   from registry an empty store, the registry cache filled by the builds before
#
# Needs buildah, docker-registry, git and a static /bin/busybox (as the e2e tests); arithmetic
# is done with awk, which every Debian system has.
#
# Usage: benches/cache.sh [--check] [ROUNDS]   (default 3; the median of the rounds is printed)
#   --check   compare each case's median with its target (docs/cache.md) and exit 1, naming
#             the case, when one is missed
set -euo pipefail
cd "$(dirname "$0")/.."
check=
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
rounds=${1:-3}
case $rounds in
  ''|*[!0-9]*|0) echo "usage: benches/cache.sh [--check] [ROUNDS]" >&2; exit 2 ;;
esac
# Targets, in percent of the cold build (docs/cache.md).
declare -A target=([same]=15 [copy]=35 [registry]=40)
for tool in buildah docker-registry git; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "error: /bin/busybox (busybox-static) is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/nomad-build-bench.XXXXXX)
cargo build -q 2>"$work/cargo.log" || { cat "$work/cargo.log" >&2; exit 1; }
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/nomad-build

registry_pid=
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then echo "work directory: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $reg
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# The base image: FROM scratch with the static busybox.
mkdir -p "$work/base"
cp /bin/busybox "$work/base/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' >"$work/base/Containerfile"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/base-storage/graph"\nrunroot = "%s/base-storage/run"\n' "$work" "$work" >"$work/base.conf"
CONTAINERS_STORAGE_CONF=$work/base.conf buildah build -q --isolation=chroot --tag "$reg/base/busybox:1" "$work/base" >/dev/null
CONTAINERS_STORAGE_CONF=$work/base.conf buildah push -q --tls-verify=false "$reg/base/busybox:1" "docker://$reg/base/busybox:1"

run() { # run ROUND CASE STORE: prints the wall time in seconds
  local repo=$work/repo-$1 start end
  start=$(date +%s.%N)
  (cd "$repo" && "$bin" local build.hcl --phase build --run-id "r$1-$2" \
    --workdir "$work/work-$1-$2" --cache-dir "$3") >"$work/log-$1-$2" 2>&1 ||
    { cat "$work/log-$1-$2" >&2; echo "error: case $2 of round $1 failed" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

declare -A times
for round in $(seq "$rounds"); do
  repo=$work/repo-$round
  mkdir -p "$repo"
  # Each round has its own cache repository, so its cold build is cold.
  cat >"$repo/build.hcl" <<EOF
pipeline "bench" {
  source {
    url = "https://git.example.com/acme/bench.git"
  }

  image {
    repository = "$reg/acme/bench"
  }

  registry "$reg" {
    insecure = true
  }

  build {
    cache {
      host_volume = "buildah-cache"
      registry    = "$reg/acme/cache-$round"
    }
  }
}
EOF
  cat >"$repo/Containerfile" <<EOF
FROM $reg/base/busybox:1
RUN head -c 67108864 /dev/urandom > /big.bin
RUN echo small > /small.txt
COPY app.txt /app.txt
EOF
  echo "version 1" >"$repo/app.txt"
  git -C "$repo" init -q
  git -C "$repo" add .
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -qm one
  times[cold,$round]=$(run "$round" cold "$work/store-$round-a")
  times[same,$round]=$(run "$round" same "$work/store-$round-a")
  echo "version 2" >"$repo/app.txt"
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -qam two
  times[copy,$round]=$(run "$round" copy "$work/store-$round-a")
  times[registry,$round]=$(run "$round" registry "$work/store-$round-b")
  grep -q 'Cache pulled from remote' "$work/log-$round-registry" ||
    { echo "error: the empty store did not pull from the registry cache" >&2; exit 1; }
  echo "round $round: cold ${times[cold,$round]}s, same ${times[same,$round]}s, copy ${times[copy,$round]}s, registry ${times[registry,$round]}s" >&2
done

median() { # median CASE
  for r in $(seq "$rounds"); do echo "${times[$1,$r]}"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
cold=$(median cold)
printf '%-40s %8s %8s %8s\n' "case (median of $rounds)" "wall s" "of cold" "target"
missed=()
for c in cold same copy registry; do
  case $c in
    cold) what="cold (empty store, empty registry cache)" ;;
    same) what="same commit again" ;;
    copy) what="change in the last COPY" ;;
    registry) what="empty store, registry cache filled" ;;
  esac
  t=$(median "$c")
  pct=$(awk -v t="$t" -v c="$cold" 'BEGIN { printf "%.0f", 100 * t / c }')
  goal=${target[$c]:-}
  printf '%-40s %8.2f %7s%% %8s\n' "$what" "$t" "$pct" "${goal:+<= $goal%}"
  if [ -n "$goal" ] && [ "$pct" -gt "$goal" ]; then missed+=("$what: $pct% of cold, target <= $goal%"); fi
done
if [ ${#missed[@]} -gt 0 ]; then
  for m in "${missed[@]}"; do echo "missed: $m" >&2; done
  [ -n "$check" ] && exit 1
fi
exit 0
