#!/usr/bin/env bash
# The main job, end to end on loopback against zoomsim (the built-in Zoom
# emulator): installs what is needed, builds, starts zoomsim and zoomctld on free
# ports with a fresh database, runs a training day, prints a summary, and stops
# everything it started (unless --serve is given).
set -euo pipefail
cd "$(dirname "$0")/.."
serve=0
[[ "${1:-}" == "--serve" ]] && serve=1

ZOOMCTL_WEB=${ZOOMCTL_WEB:-0} scripts/install-deps.sh
scripts/build.sh >/dev/null
bin=${BUILD_DIR:-build}
zoomctl="$bin/zoomctl"

work=$(mktemp -d /tmp/zoomctl-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
daemon_port=$(free_port)

# Demo credentials: the emulator accepts exactly these. Against the real Zoom,
# put your app's values in an env file instead and drop ZOOM_API_URL/ZOOM_OAUTH_URL.
export ZOOM_ACCOUNT_ID=demoAccount01 ZOOM_CLIENT_ID=demoClientId01 ZOOM_CLIENT_SECRET=demoClientSecret0123
export ZOOM_SDK_KEY=demoSdkKey01 ZOOM_SDK_SECRET=demoSdkSecret0123456 ZOOM_WEBHOOK_SECRET_TOKEN=demoWebhookSecret0123
export ZOOMCTL_API_TOKEN=demo-platform-token-0123456789 ZOOMCTL_LINK_SECRET=demo-link-secret-0123456789
export ZOOM_API_URL="http://127.0.0.1:$sim_port/v2" ZOOM_OAUTH_URL="http://127.0.0.1:$sim_port/oauth/token"
export ZOOMCTL_DB="$work/zoomctl.db" ZOOMCTL_PUBLIC_URL="http://127.0.0.1:$daemon_port"

step() { printf '\n== %s\n' "$*"; }

step "configuration"
"$zoomctl" config check
step "database"
"$zoomctl" db migrate

if [[ -x "$bin/sim/zoomsim" ]]; then
  "$bin/sim/zoomsim" --listen "127.0.0.1:$sim_port" --licenses 1 --account-id "$ZOOM_ACCOUNT_ID" --client-id "$ZOOM_CLIENT_ID" \
    --client-secret "$ZOOM_CLIENT_SECRET" --webhook-secret "$ZOOM_WEBHOOK_SECRET_TOKEN" \
    --webhook-url "http://127.0.0.1:$daemon_port/api/webhooks/zoom" >"$work/zoomsim.log" 2>&1 &
  pids+=($!)
fi
"$bin/zoomctld" --listen "127.0.0.1:$daemon_port" >"$work/zoomctld.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$daemon_port/healthz" >/dev/null 2>&1 &&
    curl -fsS "http://127.0.0.1:$sim_port/sim/state" >/dev/null 2>&1 && break
  sleep 0.1
done
step "daemon health"
curl -fsS "http://127.0.0.1:$daemon_port/healthz"
echo

if [[ -f scripts/demo-day.sh ]]; then
  # shellcheck source=/dev/null
  source scripts/demo-day.sh
fi

step "summary"
echo "database: $ZOOMCTL_DB (logs in $work)"
if ((serve)); then
  echo "serving: zoomctld on http://127.0.0.1:$daemon_port, zoomsim on http://127.0.0.1:$sim_port; Ctrl-C stops both"
  wait
fi
