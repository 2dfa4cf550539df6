#!/usr/bin/env bash
# Runs every test: typecheck, lint, then the vitest suites (unit, contract, property, kill and
# store tests against real SQLite and PostgreSQL). Starts the services the tests need itself.
# Ends with the line `N passed, N failed` (typecheck and lint count as one check each).
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
check() { # check NAME COMMAND...: runs one whole-project check and counts it
  local name=$1; shift
  if "$@"; then echo "$name: ok"; passed=$((passed + 1)); else echo "$name: FAILED"; failed=$((failed + 1)); fi
}

[ -d node_modules ] || npm ci --no-audit --no-fund

# Services: scripts/services.sh prints `export VAR=value` lines for what it started.
if [ -x scripts/services.sh ]; then
  eval "$(scripts/services.sh start)" || { echo "could not start test services"; failed=$((failed + 1)); }
  trap 'scripts/services.sh stop >/dev/null 2>&1' EXIT
fi

check typecheck npx --no-install tsc -p tsconfig.json
check lint npx --no-install eslint --max-warnings 0 .

report=$(mktemp)
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
if [ -s "$report" ]; then
  read -r vp vf < <(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const bad=r.numFailedTests+(r.testResults||[]).filter(t=>t.status==="failed"&&!(t.assertionResults||[]).length).length; console.log(r.numPassedTests, bad)' "$report")
  passed=$((passed + vp)); failed=$((failed + vf))
else
  echo "vitest produced no report"; failed=$((failed + 1))
fi
rm -f "$report"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
