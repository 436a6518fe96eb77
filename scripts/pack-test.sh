#!/usr/bin/env bash
# The package as a site installs it: `npm pack` (its prepack script builds dist/ afresh),
# `npm install -g` of the tarball into an empty prefix (runtime dependencies only, from the
# registry), then the installed command runs: --version, and `convert` of a real bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bundle=$repo/../shared/conformance/bundles/replication-15.bundle
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "pack-test: $*" >&2; exit 1; }

npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(echo "$work"/gracc-collector-*.tgz)
[ -f "$tarball" ] || fail "npm pack made no tarball"
tar tzf "$tarball" >"$work/contents"
for needed in dist/src/cli.js dist/src/records/percent-decode.wasm README.md \
    config/gracc-collector.toml config/gracc-collector.service config/gracc-collector.logrotate; do
  grep -qx "package/$needed" "$work/contents" || fail "the package lacks $needed"
done
if grep -v '^package/scripts/build-in-checkout.js$' "$work/contents" | grep -E '^package/(src|test|marble-tests|bench|scripts|dist/test|dist/marble-tests|dist/bench)/|\.(ts|map)$'; then
  fail "the package holds the files above, which only development needs"
fi
echo "pack-test: $(basename "$tarball"), $(wc -l <"$work/contents") files"

npm install -g --prefix "$work/prefix" --no-audit --no-fund --loglevel=warn "$tarball"
installed=$work/prefix/lib/node_modules/gracc-collector
for dev in $(node -p 'Object.keys(require("./package.json").devDependencies).join(" ")'); do
  [ ! -e "$installed/node_modules/$dev" ] || fail "a development dependency was installed: $dev"
done

# From an unrelated directory, so that nothing of the repository's own node_modules is found.
cd "$work"
bin=$work/prefix/bin/gracc-collector
expected="gracc-collector $(node -p "require('$repo/package.json').version")"
[ "$("$bin" --version)" = "$expected" ] || fail "--version said '$("$bin" --version)', not '$expected'"
"$bin" convert "$bundle" >"$work/records"
[ "$(wc -l <"$work/records")" -eq 15 ] || fail "convert of $(basename "$bundle") gave $(wc -l <"$work/records") lines, not 15"
node "$repo/dist/src/cli.js" convert "$bundle" | cmp -s - "$work/records" || fail "the installed convert differs from the repository's build"
echo "pack-test: installed; $expected; convert of $(basename "$bundle"): 15 records"
