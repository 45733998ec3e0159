#!/usr/bin/env bash
# Compiles every translation unit of Hydra's libraries and hydrac (compiler/, runtime/, proto/)
# as a user's own build would, with the project's warnings and -Werror, once per "CC FLAGS"
# given ("gcc -O3 -DNDEBUG": a Release build), writing nothing. The test tree is built at -O2,
# where gcc's -Wmaybe-uninitialized sees less inlining than at -O3.
# Usage: build_warnings.sh COMPILE_COMMANDS.json SOURCE_DIR "CC FLAGS" ["CC FLAGS"...]
set -euo pipefail
db=${1:?usage: build_warnings.sh COMPILE_COMMANDS.json SOURCE_DIR \"CC FLAGS\" ...}
src=$2
shift 2
jobs=${JOBS:-$(nproc)}
# One line per unit: directory, then the command with the build type's flags and output removed.
units=$(/usr/bin/python3 - "$db" "$src" <<'PY'
import json, shlex, sys
db, src = sys.argv[1], sys.argv[2].rstrip("/") + "/"
for e in json.load(open(db)):
    f = e["file"]
    if not any(f.startswith(src + d + "/") for d in ("compiler", "runtime", "proto")):
        continue
    args = shlex.split(e["command"])[1:]  # without the compiler
    keep, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a not in ("-O0", "-O1", "-O2", "-O3", "-Os", "-g", "-DNDEBUG", "-Werror"):
            keep.append(a)
    print(e["directory"] + "\t" + shlex.join(keep))
PY
)
n=$(wc -l <<<"$units")
status=0
for build in "$@"; do
  echo "== $build: $n units"
  if ! while IFS=$'\t' read -r dir cmd; do
    printf '%s\0' "cd '$dir' && $build -Werror $cmd -o /dev/null"
  done <<<"$units" | xargs -0 -P "$jobs" -n 1 bash -c; then
    echo "== $build: warnings (above)"
    status=1
  fi
done
exit $status
