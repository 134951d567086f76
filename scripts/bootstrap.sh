#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lockfile. Node 24 comes
# with them (the `node` package ships the binary into node_modules/.bin), because the system
# Node may be older; every npm script finds it first on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[bootstrap] installing npm dependencies (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi

version=$(node_modules/.bin/node --version)
if [[ $version != v24.* ]]; then
  echo "[bootstrap] expected Node 24 in node_modules/.bin/node, found $version" >&2
  exit 1
fi
