#!/usr/bin/env bash
# Regenerates completions/ from the built zoomctl (default build/zoomctl).
set -euo pipefail
cd "$(dirname "$0")/.."
zoomctl=${1:-build/zoomctl}
"$zoomctl" completion bash >completions/zoomctl.bash
"$zoomctl" completion zsh >completions/_zoomctl
"$zoomctl" completion fish >completions/zoomctl.fish
echo "completions updated from $zoomctl"
