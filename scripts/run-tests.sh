#!/usr/bin/env bash
# Runs every compiled spec and test file under the given folders with node's test runner.
# (Node 20's --test takes no globs, and does not pick up *.spec.js on its own.)
# NODE_BIN: the node to run them with (scripts/node24.sh passes Node 24's); `node` by default.
# --unit leaves out the tests that need the brokers: *.integration.test.js (beside the sinks
# in src/io/sinks/) and everything under a folder named integration.
set -euo pipefail
exclude=()
if [ "${1:-}" = "--unit" ]; then
  shift
  exclude=(-not -name '*.integration.test.js' -not -path '*/integration/*')
fi
mapfile -t files < <(find "$@" -type f \( -name '*.spec.js' -o -name '*.test.js' \) "${exclude[@]}" 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files under $*" >&2; exit 1; fi
exec "${NODE_BIN:-node}" --test --test-concurrency=1 "${files[@]}"
