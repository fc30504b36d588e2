#!/usr/bin/env bash
# npm start: install what is missing, build, and run Steward on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build
exec node dist/scripts/dev.js
