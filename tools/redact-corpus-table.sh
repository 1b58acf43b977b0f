#!/bin/sh
# Regenerates the recall/precision table in bosso-redact/README.md (between the
# `corpus-table` markers) from the corpus test, and prints it for BENCHMARKS.md.
# Usage: sh tools/redact-corpus-table.sh   (from the workspace root)
set -u
out=$(PKG_CONFIG=false cargo test -q -p bosso-redact --test corpus \
  recall_and_precision_on_the_corpus -- --nocapture 2>/dev/null)
status=$?
table=$(printf '%s\n' "$out" | sed -n '/<!-- corpus-table:start -->/,/<!-- corpus-table:end -->/p')
if [ -z "$table" ]; then
  echo "the corpus test printed no table (did it build?)" >&2
  exit 1
fi
TABLE="$table" python3 - <<'PY'
import os, re
path = "bosso-redact/README.md"
text = open(path).read()
new, n = re.subn(r"<!-- corpus-table:start -->.*?<!-- corpus-table:end -->",
                 lambda _: os.environ["TABLE"], text, flags=re.S)
if n != 1:
    raise SystemExit(f"{path}: expected one corpus-table section, found {n}")
open(path, "w").write(new)
PY
printf '%s\n' "$table"
[ "$status" -eq 0 ] || echo "the corpus test failed its thresholds (exit $status)" >&2
exit "$status"
