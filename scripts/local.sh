#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/stack/stack.sh up
echo "The stack is up. The worker itself is not written yet."
