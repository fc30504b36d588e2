#!/usr/bin/env bash
# npm test: install what is missing, then type-check, lint, and run every test against real
# Temporal, PostgreSQL and OpenSSH. Extra arguments go to jest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --tests
echo "[test] type-checking"
npx tsc -p tsconfig.json --noEmit
echo "[test] linting"
npx eslint --max-warnings 0 .
mkdir -p .data
results=.data/jest-results.json
rm -f "$results"
status=0
npx jest --maxWorkers=2 --json --outputFile="$results" "$@" || status=$?
# One plain summary line, whatever reads the log.
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$PWD/$results"
fi
exit "$status"
