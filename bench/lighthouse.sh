#!/usr/bin/env bash
# Lighthouse (mobile) on home, the 1,200-word benchmark article and /book/, against
# the site served as in production (bench/serve.py). Not part of `make test`: it
# needs the npm registry (npx lighthouse@12) and takes a few minutes.
# The scores and page weights go into bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
OUT=bench/data/lighthouse
rm -rf "$OUT" && mkdir -p "$OUT"

$PY bench/serve.py >bench/data/serve.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q '^SERVING ' bench/data/serve.log && break
  kill -0 "$SERVER" 2>/dev/null || { cat bench/data/serve.log; exit 1; }
  sleep 1
done
read -r BASE ARTICLE < <(sed -n 's/^SERVING //p' bench/data/serve.log)

for page in "home /" "article $ARTICLE" "book /book/"; do
  read -r name path <<<"$page"
  echo "lighthouse $name $BASE$path"
  npx -y lighthouse@12 "$BASE$path" --quiet \
    --chrome-flags="--headless --no-sandbox" --form-factor=mobile \
    --output=json --output-path="$OUT/$name.json"
done
$PY bench/lighthouse_report.py "$OUT"
