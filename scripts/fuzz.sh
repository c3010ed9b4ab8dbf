#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for a
# bounded time (default 20 s, or $1) from the seed corpus in fuzz/corpus/.
# A crash, a sanitizer report or a broken invariant fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [[ ! -f "$dir/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZOOMCTL_FUZZ=ON >/dev/null
fi
cmake --build "$dir" --target fuzz_webhook fuzz_csv -j "$(nproc)" >/dev/null
for t in webhook csv; do
  work=$(mktemp -d)
  cp fuzz/corpus/$t/* "$work/" 2>/dev/null || true
  echo "fuzz_$t: ${seconds}s"
  "$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/crash-$t-" "$work" 2>&1 | grep -E "^(stat::number_of_executed_units|Done|==|SUMMARY|.*ERROR)" || true
  status=${PIPESTATUS[0]}
  rm -rf "$work"
  if [[ $status -ne 0 ]]; then
    echo "fuzz_$t failed (exit $status); reproducer in $dir/crash-$t-*"
    exit 1
  fi
done
echo "fuzz: no findings"
