#!/usr/bin/env bash
# Lint for zoomctl's own C++: `lint.sh format` (clang-format, no changes allowed)
# or `lint.sh tidy BUILD_DIR` (clang-tidy over compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- 'core/*.cpp' 'core/*.hpp' 'cli/*.cpp' 'cli/*.hpp' \
  'daemon/*.cpp' 'daemon/*.hpp' 'sim/*.cpp' 'sim/*.hpp' 'tests/unit/*.cpp' 'bench/*.cpp' 'fuzz/*.cpp' | sort -u)
case "${1:-}" in
  format)
    clang-format --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files clean"
    ;;
  tidy)
    build_dir=${2:?build dir}
    sources=()
    for f in "${files[@]}"; do
      # bench/ and fuzz/ are not in this build's compile_commands.json (built by their own scripts).
      [[ "$f" == *.cpp && "$f" != bench/* && "$f" != fuzz/* ]] && sources+=("$f")
    done
    # Findings in any file fail the run; xargs -P uses both cores. (xargs exits
    # non-zero whenever clang-tidy does, so the log, not its status, decides.)
    printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build_dir" --quiet \
      --extra-arg=-Wno-unknown-warning-option >"$build_dir/clang-tidy.log" 2>/dev/null || true
    if grep -E "(warning|error):" "$build_dir/clang-tidy.log"; then
      echo "clang-tidy: findings above (full output in $build_dir/clang-tidy.log)"
      exit 1
    fi
    echo "clang-tidy: ${#sources[@]} files clean"
    ;;
  *)
    echo "usage: $0 format | tidy BUILD_DIR" >&2
    exit 2
    ;;
esac
