#!/usr/bin/env bash
# Installs into a scratch DESTDIR and checks that binaries, man pages and
# completions land in the usual places.
set -euo pipefail
build_dir=${1:?build dir}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" cmake --install "$build_dir" --prefix /usr >/dev/null
for f in bin/zoomctl sbin/zoomctld share/man/man1/zoomctl.1 share/man/man8/zoomctld.8 \
  share/bash-completion/completions/zoomctl share/zsh/vendor-completions/_zoomctl \
  share/fish/vendor_completions.d/zoomctl.fish lib/systemd/system/zoomctld.service \
  share/doc/zoomctl/zoomctl.env.example; do
  [[ -s "$dest/usr/$f" ]] || { echo "install: missing /usr/$f"; exit 1; }
done
"$dest/usr/bin/zoomctl" --version >/dev/null
echo "install: all files in place"
