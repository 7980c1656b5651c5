#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from what clang-format makes of it (.clang-format at the root).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "clang_format: clang-format-14 is not installed (scripts/build-packages.txt lists it)" >&2
  exit 1
fi
mapfile -t files < <(find platform rules dataplane controlplane tests benchmarks \
  -path '*/build' -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print | sort)
unformatted=0
for file in "${files[@]}"; do
  if ! "$format" --style=file --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "not clang-format clean: $file"
    unformatted=$((unformatted + 1))
  fi
done
echo "clang_format: ${#files[@]} files checked, $unformatted not clean"
[ "$unformatted" -eq 0 ]
