#!/usr/bin/env bash
# The web pages (web/): install, check, build, test.
#
#   scripts/web.sh deps    npm ci in web/ when node_modules is missing or older than package-lock.json
#   scripts/web.sh check   tsc --noEmit (strict) and eslint
#   scripts/web.sh build   vite build -> web/dist (served by zoomctld; SDK assets under dist/assets/zoom-sdk/)
#   scripts/web.sh test    deps, check, build, the fake-SDK test build (web/dist-test), then the
#                          browser tests: node --test tests/web/*.test.mjs in Debian's headless
#                          Chromium. Against the real zoomctld + zoomsim when ZOOMCTLD_BIN,
#                          ZOOMSIM_BIN and ZOOMCTL_BIN are set (CTest sets them), else against
#                          tests/web/mock-server.mjs. Screenshots: tests/artifacts/web/*.png.
#   scripts/web.sh dev [PORT]   build the fake-SDK pages and serve them with the mock API (tokens tok-1..tok-5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web
cmd=${1:-test}

deps() {
  command -v node >/dev/null || { echo "web.sh: node not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
  if [[ ! -f $web/node_modules/.package-lock.json || $web/package-lock.json -nt $web/node_modules/.package-lock.json ]]; then
    (cd "$web" && npm ci --no-audit --no-fund --prefer-offline)
  fi
}

check() {
  (cd "$web" && npx --no-install tsc --noEmit -p . && npx --no-install eslint --max-warnings 0 .)
}

build() {
  (cd "$web" && npx --no-install vite build --logLevel warn)
}

build_test() {
  (cd "$web" && VITE_FAKE_SDK=1 npx --no-install vite build --logLevel warn)
}

case $cmd in
  deps) deps ;;
  check) deps; check ;;
  build) deps; build ;;
  test)
    deps
    echo "web.sh: typecheck + lint"; check
    echo "web.sh: build"; build
    echo "web.sh: test build (fake SDK)"; build_test
    if [[ ! -x ${CHROMIUM_BIN:-/usr/bin/chromium} ]]; then
      echo "web.sh: ${CHROMIUM_BIN:-/usr/bin/chromium} missing (apt-get install -y chromium)" >&2
      exit 1
    fi
    echo "web.sh: browser tests (${ZOOMCTLD_BIN:+real zoomctld}${ZOOMCTLD_BIN:-mock server})"
    cd "$root" && node --test --test-concurrency=1 --test-reporter=spec tests/web/*.test.mjs
    ;;
  dev)
    deps; build_test
    exec node "$root/tests/web/mock-server.mjs" --dist "$web/dist-test" --port "${2:-3000}"
    ;;
  *) echo "usage: scripts/web.sh deps|check|build|test|dev [PORT]" >&2; exit 2 ;;
esac
