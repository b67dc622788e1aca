#!/usr/bin/env bash
# Prints report.json files (one per size) as the Markdown table of BENCHMARKS.md.
# Usage: bench/table.sh target/bench/report-100k.json target/bench/report-1m.json
set -euo pipefail
jq -rn '
  [inputs] as $reports
  | ($reports | map(to_entries[] | {size: .value.releases, db: .key, figures: .value})) as $columns
  | (["figure"] + ($columns | map("\(.db) \(.size)"))) as $head
  | ($head | "| " + join(" | ") + " |"),
    ($head | map("---") | "| " + join(" | ") + " |"),
    (($columns[0].figures | keys_unsorted)[] as $key
      | ([$key] + ($columns | map(.figures[$key] | tostring))) | "| " + join(" | ") + " |")
' "$@"
