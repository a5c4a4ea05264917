#!/usr/bin/env bash
# The run command: install what is missing, start the project-local broker, build the service executables in
# release mode and start each one as its own process with its own database under .run/, until Ctrl-C.
# It grows as services land; with none built yet it starts the broker and reports that.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
export AMQP_URL="amqp://guest:guest@127.0.0.1:${KVITT_AMQP_PORT:-5672}/"
services=()
for pair in invoicing:Invoicing payment-matching:PaymentMatching debt-collection:DebtCollection tax-reduction:TaxReduction; do
    [ -d "Services/${pair#*:}" ] && services+=("${pair%%:*}")
done
if [ ${#services[@]} -eq 0 ]; then
    echo "no service executables exist yet; the broker runs on 127.0.0.1:${KVITT_AMQP_PORT:-5672} (make broker-stop stops it)"
    exit 0
fi
swift build -c release
mkdir -p .run/data
pids=()
port=8081
for service in "${services[@]}"; do
    DATABASE_PATH=".run/data/$service.sqlite" HTTP_PORT=$port ".build/release/$service" &
    pids+=($!)
    echo "$service: pid ${pids[-1]}, http://127.0.0.1:$port/health/ready"
    port=$((port + 1))
done
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; scripts/broker.sh stop' INT TERM
wait
