#!/bin/sh
# `hydrac inspect --dot` of one model, laid out by Graphviz's dot: fails when dot rejects it.
#   check_dot.sh HYDRAC DOT OUT.dot MODEL.onnx [inspect options...]
set -e
hydrac=$1 dot=$2 out=$3 model=$4
shift 4
mkdir -p "$(dirname "$out")"
"$hydrac" inspect "$model" --dot "$@" >"$out"
"$dot" -Tsvg "$out" -o "$out.svg"
grep -q "subgraph cluster_" "$out"
