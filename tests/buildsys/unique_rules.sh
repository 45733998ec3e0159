#!/usr/bin/env bash
# Checks that no custom-command output is built by two targets of a Makefile build tree.
# Why: make builds targets in parallel, and a rule CMake copied into two targets runs twice at
# once on the same files (two pips into one venv; two exports writing one model.onnx). The race
# only shows now and then, as a crash far from its cause; this finds it in every build.
# Usage: tests/buildsys/unique_rules.sh BUILD_DIR
set -euo pipefail
build=$1
# A custom command's rule in a target's build.make: "OUTPUT: DEPS", then a blue-bold echo of its
# COMMENT (compile rules echo in green).
find "$build" -path '*/CMakeFiles/*.dir/build.make' -print0 |
  xargs -0 awk '
    /^[^\t#][^:]*:/ { out = $0; sub(/:.*/, "", out); next }
    /cmake_echo_color/ && /--blue --bold/ && out != "" {
      target = FILENAME; sub(/\/build\.make$/, "", target); sub(/.*\//, "", target)
      print out "\t" target; out = "" }
  ' | sort -u | awk -F'\t' '
    { n[$1]++; who[$1] = who[$1] " " $2 }
    END { bad = 0
          for (o in n) if (n[o] > 1) { print "built by " n[o] " targets:" who[o] ": " o; bad = 1 }
          exit bad }'
