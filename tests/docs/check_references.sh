#!/usr/bin/env bash
# Checks that the documentation references only what is in the repository: no path of one
# machine (/work/..., /tmp/..., ../shared), every relative Markdown link resolves, and every
# `path` in backquotes that starts at a top-level folder of the repo exists.
# Usage: check_references.sh REPO_ROOT  (exit 1 listing each bad reference as FILE:LINE: ...)
set -uo pipefail
root=${1:?usage: check_references.sh REPO_ROOT}
cd "$root" || exit 2
docs=(README.md bench/README.md docs/*.md)
tops=$(find . -mindepth 1 -maxdepth 1 -not -name '.*' -not -name 'build*' -printf '%f\n' |
  paste -sd'|')
bad=0
report() {
  echo "$1"
  bad=1
}
for f in "${docs[@]}"; do
  dir=$(dirname "$f")
  while IFS= read -r hit; do
    report "$f:${hit%%:*}: a path outside the repository: ${hit#*:}"
  done < <(grep -noE '(^|[^A-Za-z0-9_.~-])(/work/|/tmp/|\.\./shared)[^ `)]*' "$f")
  while IFS= read -r hit; do
    line=${hit%%:*}
    target=${hit#*:}
    target=${target#](}
    target=${target%)}
    target=${target%%#*}
    case $target in http://* | https://* | mailto:* | '') continue ;; esac
    [ -e "$dir/$target" ] || report "$f:$line: link to a missing file: $target"
  done < <(grep -noE '\]\([^)]+\)' "$f")
  while IFS= read -r hit; do
    line=${hit%%:*}
    p=${hit#*:}
    p=${p//\`/}
    p=${p%%:*} # file:line
    p=${p%[.,;]}
    case $p in *'<'* | *'*'* | *'...'* | *'{'*) continue ;; esac # placeholders and globs
    [ -e "$p" ] || report "$f:$line: no such file in the repository: $p"
  done < <(grep -noE "\`($tops)/[^\` ]*\`" "$f")
done
exit $bad
