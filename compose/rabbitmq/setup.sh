#!/usr/bin/env bash
# One-shot broker setup for compose: the kvitt vhost, one user per service (passwords from the environment), and
# no guest. Runs in the rabbitmq image against the broker container.
set -euo pipefail
export RABBITMQCTL="rabbitmqctl -n rabbit@rabbitmq"
until $RABBITMQCTL await_startup >/dev/null 2>&1; do sleep 1; done
$RABBITMQCTL add_vhost kvitt >/dev/null 2>&1 || true
for service in invoicing payment-matching debt-collection tax-reduction delivery; do
    variable="$(echo "$service" | tr 'a-z-' 'A-Z_')_AMQP_PASSWORD"
    /setup/grant.sh "$service" "${!variable:?$variable is required}" kvitt
done
$RABBITMQCTL add_user operator "${OPERATOR_AMQP_PASSWORD:?OPERATOR_AMQP_PASSWORD is required}" >/dev/null 2>&1 || true
$RABBITMQCTL set_user_tags operator administrator >/dev/null
$RABBITMQCTL set_permissions -p kvitt operator ".*" ".*" ".*" >/dev/null
$RABBITMQCTL delete_user guest >/dev/null 2>&1 || true
# kvitt.unrouted is the alternate exchange of kvitt: a message no queue is bound to is kept there instead of being
# returned (docs/topology.md). A policy rather than an exchange argument, so that an existing kvitt exchange, and
# every client that declares it without arguments, keep working.
$RABBITMQCTL set_policy -p kvitt --apply-to exchanges kvitt-unrouted '^kvitt$' '{"alternate-exchange":"kvitt.unrouted"}' \
    >/dev/null
echo "broker ready: vhost kvitt, users per service, no guest, kvitt.unrouted as kvitt's alternate exchange"
