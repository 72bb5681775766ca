#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: the README's second command, and what .ci/run runs.
# Idempotent: safe to run again on a machine that already has everything.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "system packages (Chromium for the browser tests)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi
fi

say "services (Redis, PostgreSQL) for the multi-node tests"
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for i in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && break; sleep 1; done

say "npm ci"
npm ci --no-audit --no-fund

say "build the web app"
npm run build

say "type-check and lint the import boundaries"
npm run check

mkdir -p test-results
say "unit and integration tests"
export FUZZ_SEEDS="${FUZZ_SEEDS:-200}"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json || status=$?

say "browser end-to-end tests (Chromium)"
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=test-results/e2e.json || status=$?

say "training code tests (Python with Debian's torch)"
if ! /usr/bin/python3 -c 'import torch, scipy, PIL, numpy, onnx' >/dev/null 2>&1; then
  pkgs="python3-torch python3-scipy python3-pil python3-numpy python3-onnx"
  if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $pkgs; else sudo apt-get update -q && sudo apt-get install -y -q $pkgs; fi
fi
(cd models/train && /usr/bin/python3 -m unittest -v) 2>&1 | tee test-results/python.txt || status=$?

# One closing line that any CI reader understands.
node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
for (const file of ["test-results/unit.json", "test-results/e2e.json"]) {
  if (!fs.existsSync(file)) { f++; continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
}
// unittest: "Ran N tests" then "OK" or "FAILED (failures=F, errors=E)", skips as "skipped=S"
const py = fs.existsSync("test-results/python.txt") ? fs.readFileSync("test-results/python.txt", "utf8") : "";
const ran = +(py.match(/^Ran (\d+) tests?/m) || [0, 0])[1];
const count = (k) => +(py.match(new RegExp(k + "=(\\d+)")) || [0, 0])[1];
const pyFailed = ran ? count("failures") + count("errors") : 1;
p += ran - pyFailed - count("skipped"); f += pyFailed; s += count("skipped");
console.log(`\n${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
'
exit $status
