#!/usr/bin/env bash
# The benchmark command (not a test): release build, local broker, then the raw broker round trip through
# KvittAMQP and the messaging runtime measured in the same run, with their ratio, then the system benchmarks.
# Usage: scripts/bench.sh [kvitt-bench options], e.g. --messages 20000 --payments 5000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
# The benchmark drives the real executables (the four services and the kvitt CLI), built next to it.
swift build -c release
# Without arguments: the raw round trip, the runtime, 20,000 payments through payment-matching, matching cost at
# 10,000 versus 1,000,000 open receivables, latency and memory of the four services under a steady 200 payments/s,
# and the long fault-injection run (14,000 invoices in rounds of 1,000 — over 100,000 messages — with 20 service
# kills, 2 broker kill -9, 1 freeze, 1 cut link, 1 memory and 1 disk alarm, 1 full database disk; a fresh seed,
# printed; --seed N repeats a run), and the soak: 2,000,000 messages through the real kvitt-probe-service, run twice
# as its own process (glibc's heap, then KVITT_MALLOC=tuned), with its memory, descriptors, threads and database
# sampled every 5 s.
[ $# -gt 0 ] || set -- --soak-messages 2000000 --payments 20000 --large-receivables 1000000 --latency-payments 6000 --latency-rate 200 \
    --fault-invoices 14000 --fault-round 1000 --fault-kills 20 --fault-broker-kills 2 --fault-freezes 1 \
    --fault-link-cuts 1 --fault-memory-alarms 1 --fault-disk-alarms 1 --fault-database-full 1
.build/release/kvitt-bench "$@"
