#!/usr/bin/env bash
# Installs what zoomctl needs to build and test on Debian 12 (idempotent; quiet
# when everything is already there). Run as root or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libcli11-dev libcurl4-openssl-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
  libssl-dev libfmt-dev doctest-dev libcpp-httplib-dev
  clang clang-format clang-tidy libclang-rt-14-dev mandoc sqlite3 curl
)
if [[ "${ZOOMCTL_WEB:-1}" == 1 ]]; then
  packages+=(nodejs npm chromium)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from elsewhere than Debian (the machine image ships Node 20).
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
