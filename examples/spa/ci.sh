#!/usr/bin/env bash
# CI of the browser-facing parts (issue 13), called by .ci/run once on SQLite and once with
# TEST_DATABASE_URL set to a PostgreSQL server (each browser test then makes a fresh database
# there with psql):
#   1. Debian's chromium, installed when missing (no browser download: puppeteer-core drives
#      the system executable);
#   2. the offline GraphiQL bundle: `npm ci` + esbuild in crates/gateway/graphiql;
#   3. the example SPA: `npm ci`, graphql-codegen against schema.graphql, `tsc --noEmit`,
#      esbuild;
#   4. the gateway binary (debug), then the browser tests (node's test runner): the SPA across
#      origins and GraphiQL with the network limited to the loopback. Screenshots go to
#      target/browser-screenshots/.
# `ci.sh --build-only` stops after step 3 (for a second run that only repeats the tests).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version 2>/dev/null || true

npm ci --no-audit --no-fund --prefix crates/gateway/graphiql
npm run build --prefix crates/gateway/graphiql

npm ci --no-audit --no-fund --prefix examples/spa
# Against schema.graphql, which crates/gateway/tests/schema.rs keeps equal to the code's.
npm run build --prefix examples/spa

[ "${1:-}" = "--build-only" ] && exit 0

cargo build -q -p gateway --bin bbb-gateway
(cd examples/spa && node --test --test-concurrency=1 tests/)
echo "screenshots: $(ls target/browser-screenshots/*.png | tr '\n' ' ')"
