#!/usr/bin/env bash
# The benchmark command (not a test): release build, local broker, then the raw broker round trip through
# KvittAMQP and the messaging runtime measured in the same run, with their ratio.
# Usage: scripts/bench.sh [kvitt-bench options], e.g. --messages 20000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
swift build -c release --product kvitt-bench
.build/release/kvitt-bench "$@"
